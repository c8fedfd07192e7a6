#!/usr/bin/env bash
# hardening.sh: the release binaries are built hardened (Makefile HARDEN_CFLAGS, LDFLAGS):
# position-independent (ELF type DYN), full RELRO (a GNU_RELRO segment and BIND_NOW), the stack
# protector (__stack_chk_fail) and FORTIFY_SOURCE (__*_chk functions such as __snprintf_chk).
# The ASan build is not hardened (sanitizers replace these checks).
# san: skip
. tests/lib/common.sh

command -v readelf >/dev/null || { ok "# SKIP readelf is not installed (binutils)"; done_testing; exit 0; }
for bin in "$ECSHIP" "$ECSHIP_SIM"; do
	name=$(basename "$bin")
	check "$name is a position-independent executable (type DYN)" sh -c "readelf -h '$bin' | grep -Eq 'Type:[[:space:]]+DYN'"
	check "$name has a GNU_RELRO segment" sh -c "readelf -lW '$bin' | grep -q GNU_RELRO"
	check "$name binds every symbol at start (BIND_NOW: full RELRO)" sh -c "readelf -dW '$bin' | grep -Eq 'BIND_NOW|FLAGS_1.*NOW'"
	readelf -W --dyn-syms "$bin" >"$T_TMP/syms"
	contains "$name calls the stack protector" "$T_TMP/syms" '__stack_chk_fail'
	contains "$name uses FORTIFY_SOURCE's checked functions" "$T_TMP/syms" '__(snprintf|memcpy|vsnprintf|fprintf)_chk'
done
done_testing
