#!/usr/bin/env bash
# completion.sh: the bash and zsh completions that `make` generates from the option tables
# (build/ecship.bash, build/_ecship): they load, offer every command of --help, every
# subcommand, every option of each command and the enumerated values (--output text|json), and
# `ecship infra dep<TAB>` completes to `deploy` in bash (its completion function) and in an
# interactive zsh driven through zpty (a real TAB press, compinit and all).
. tests/lib/common.sh

B=$ECSHIP_BUILD/ecship.bash
Z=$ECSHIP_BUILD/_ecship
check "make generated the bash completion" test -s "$B"
check "make generated the zsh completion" test -s "$Z"
expect_exit "help --completion needs a known shell" 2 "$ECSHIP" help --completion fish
check "the generated files are what the binary prints now" bash -c \
	"diff -q <('$ECSHIP' help --completion bash) '$B' && diff -q <('$ECSHIP' help --completion zsh) '$Z'"
if command -v shellcheck >/dev/null; then
	check "the bash completion is shellcheck clean" shellcheck -s bash "$B"
else
	ok "the bash completion is shellcheck clean # SKIP shellcheck is not installed (scripts/install-deps --check)"
fi

# complete WORDS...: the bash candidates for the last word
complete_bash() { bash --norc -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ecship; printf "%s\n" "${COMPREPLY[@]}"' _ "$B" "$@"; }

check "bash: the completion is registered for ecship" bash --norc -c "source '$B'; complete -p ecship | grep -q _ecship"
check "bash: 'ecship infra dep' completes to deploy" test "$(complete_bash ecship infra dep)" = deploy
check "bash: 'ecship infra d' offers deploy, diff and delete" \
	test "$(complete_bash ecship infra d | sort | tr '\n' ' ')" = "delete deploy diff "
check "bash: 'ecship rule ' offers ensure and list" test "$(complete_bash ecship rule '' | tr '\n' ' ')" = "ensure list "
check "bash: --output's values" test "$(complete_bash ecship --output '' | tr '\n' ' ')" = "text json "
check "bash: the command is found after global options with values" \
	test "$(complete_bash ecship --region ap-northeast-1 --env prod infra dep)" = deploy
check "bash: nothing after -- (the task's command)" test -z "$(complete_bash ecship run -- pyth)"

# every command of --help, and every option of each command's --help
"$ECSHIP" --help | sed -n '/^commands:/,/^$/p' | awk 'NF>1 {print $1}' | sort >"$T_TMP/cmds"
check "--help lists commands" test -s "$T_TMP/cmds"
complete_bash ecship '' | grep -v '^help$' | sort >"$T_TMP/ccmds"
check "bash: offers exactly the commands of --help" diff "$T_TMP/cmds" "$T_TMP/ccmds"
bad=""
while read -r c; do
	"$ECSHIP" "$c" --help | grep -oE '^  --[a-z-]+' | sed 's/^ *//' | sort -u >"$T_TMP/want"
	comm -23 "$T_TMP/want" <(complete_bash ecship "$c" - | sort -u) >"$T_TMP/missing"
	[ -s "$T_TMP/missing" ] && bad="$bad $c:$(tr '\n' ',' <"$T_TMP/missing")"
done <"$T_TMP/cmds"
check "bash: every option of every command is offered${bad:+ (missing:$bad)}" test -z "$bad"

# ---- zsh ---------------------------------------------------------------------------------------
if ! command -v zsh >/dev/null; then
	ok "zsh: 'ecship infra dep<TAB>' completes to deploy # SKIP zsh is not installed (scripts/install-deps --check)"
	done_testing
	exit
fi
mkdir -p "$T_TMP/zfunc"
cp "$Z" "$T_TMP/zfunc/_ecship"
check "zsh: the completion loads through compinit" zsh -f -c \
	"fpath=('$T_TMP/zfunc' \$fpath); autoload -Uz compinit; compinit -u -d '$T_TMP/zcd'; [[ \${_comps[ecship]} == _ecship ]]"
# zsh_tab LINE WANT: types LINE and TAB into an interactive zsh (zpty) and waits up to 15 s for
# the terminal to show WANT; prints what it showed
zsh_tab() {
	zsh -f -c '
zmodload zsh/zpty || exit 3
zpty z "zsh -f -i"
zpty -w z "PS1=\"> \"; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -d $2; echo RE\"\"ADY"
zpty -r -m z out "*READY*"
zpty -w -n z "$3"$'"'"'\t'"'"'
all=""
for i in {1..150}; do
	while zpty -r -t z chunk; do all+=$chunk; done
	[[ $all == *"$4"* ]] && break
	sleep 0.1
done
print -r -- "$all"
zpty -d z' _ "$T_TMP/zfunc" "$T_TMP/zcd2" "$1" "$2"
}
zsh_tab "ecship infra dep" "ecship infra deploy" >"$T_TMP/z1" 2>&1
contains "zsh: 'ecship infra dep<TAB>' completes to deploy" "$T_TMP/z1" 'ecship infra deploy'
zsh_tab "ecship --output j" "ecship --output json" >"$T_TMP/z2" 2>&1
contains "zsh: '--output j<TAB>' completes to json" "$T_TMP/z2" 'ecship --output json'
zsh_tab "ecship rollb" "ecship rollback" >"$T_TMP/z3" 2>&1
contains "zsh: 'rollb<TAB>' completes to rollback" "$T_TMP/z3" 'ecship rollback'
done_testing
