#!/usr/bin/env bash
# replay.sh: every fuzz target (tests/fuzz/fuzz_*.c, built as a replayer) over its seed corpus
# and 300 deterministic mutations of it: no crash, no leak (the sanitizer pass runs it too), no
# trap. `make fuzz` runs the same targets under libFuzzer for real fuzzing.
. tests/lib/common.sh

for bin in "$ECSHIP_BUILD"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=${bin##*/}
	corpus=tests/fuzz/corpus/${name#fuzz_}
	work=$T_TMP/$name
	mkdir -p "$work"
	[ -d "$corpus" ] && cp "$corpus"/* "$work"/ 2>/dev/null
	python3 - "$work" <<'PY'
import os, random, sys
d = sys.argv[1]
rng = random.Random(1234)
seeds = [open(os.path.join(d, f), "rb").read() for f in sorted(os.listdir(d))] or [b"{}"]
tokens = [b"${", b"}", b"$${", b":-", b"\"", b"\\u0000", b"<", b">", b"&", b"\n  ", b"- ", b": ",
          b"{", b"[", b"]", b"\xff", b"\xc3\xa9", b"cfn:", b"<!ENTITY", b"]]>"]
for i in range(300):
    s = bytearray(rng.choice(seeds))
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(4)
        p = rng.randrange(len(s) + 1)
        if op == 0 and s:
            del s[p:p + rng.randint(1, 16)]
        elif op == 1:
            s[p:p] = rng.choice(tokens)
        elif op == 2 and s:
            s[min(p, len(s) - 1)] = rng.randrange(256)
        else:
            q = rng.randrange(len(s) + 1)
            s[p:p] = s[min(p, q):max(p, q)][:64]
    open(os.path.join(d, "mut-%03d" % i), "wb").write(bytes(s))
PY
	n=$(ls "$work" | wc -l)
	if "$bin" "$work"/* >"$T_TMP/$name.out" 2>"$T_TMP/$name.err"; then
		ok "$name: $n inputs replayed"
	else
		not_ok "$name: failed on one of $n inputs"
		tail -5 "$T_TMP/$name.out" "$T_TMP/$name.err" | diag
	fi
done
check "every fuzz target is built ($(ls tests/fuzz/fuzz_*.c | wc -l) sources)" test "$(ls "$ECSHIP_BUILD"/fuzz/fuzz_* 2>/dev/null | wc -l)" -ge "$(ls tests/fuzz/fuzz_*.c | wc -l)"
done_testing
