#!/usr/bin/env bash
# tty_narrow.sh: the in-place progress of `ecship deploy` on a real terminal (tmux) leaves no
# stray status lines behind: at 80 columns (the status lines are longer than that: they are cut
# to the width), at 50 columns, and when the terminal is made narrower in the middle of the wait
# (the rows of the rewrapped lines are counted when they are erased). The captured pane, wrapped
# lines joined, must hold only the notes, the events and the result.
. tests/lib/common.sh
. tests/lib/sim.sh

if ! command -v tmux >/dev/null 2>&1; then
	echo "ok 1 # SKIP tmux is not installed (scripts/install-deps installs it)"
	echo "1..1"
	exit 0
fi

start_sim --upstream "$MOTO_URL" --speed 60 --seed 17 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
sim_failure_rules
P=$T_TMP/proj
sim_project tty "$P"
cd "$P" || exit 1
expect_exit "first deploy (plain) completes" 0 "$ECSHIP" deploy --tag v1

SOCK=ecship-test-$$-$RANDOM
tmux_() { tmux -L "$SOCK" -f /dev/null "$@"; }
t_cleanup_tmux() { tmux_ kill-server 2>/dev/null; t_cleanup; }
trap t_cleanup_tmux EXIT

# run_in_tmux NAME WIDTH TAG [RESIZE_TO]: a deploy in a fresh tmux window of WIDTH columns,
# optionally made RESIZE_TO columns wide while it waits; the pane (history included, wrapped
# lines joined) goes to $T_TMP/NAME.pane.
run_in_tmux() {
	local name=$1 width=$2 tag=$3 resize=${4:-} n
	tmux_ new-session -d -s "$name" -x "$width" -y 50 \
		"cd '$P' && '$ECSHIP' deploy --tag '$tag'; echo \"EXIT=\$?\"; sleep 300"
	tmux_ set-option -t "$name" history-limit 5000 >/dev/null
	if [ -n "$resize" ]; then
		for n in $(seq 100); do
			tmux_ capture-pane -p -t "$name" | grep -q 'waiting [0-9]* s' && break
			sleep 0.1
		done
		sleep 0.5
		tmux_ resize-window -t "$name" -x "$resize" -y 50
	fi
	for n in $(seq 600); do
		tmux_ capture-pane -p -J -S - -t "$name" | grep -q '^EXIT=' && break
		sleep 0.1
	done
	tmux_ capture-pane -p -J -S - -t "$name" >"$T_TMP/$name.pane"
	tmux_ kill-session -t "$name"
}

# check_pane NAME: every line is a note, an event, the result or the exit status
check_pane() {
	local f=$T_TMP/$1.pane
	contains "$1: the deploy completed" "$f" '^EXIT=0$'
	contains "$1: the result is printed" "$f" "^deployed web-staging:[0-9]+ to service 'web-staging'"
	lacks "$1: no status line is left behind" "$f" 'desired [0-9]+, pending|^ *waiting [0-9]+ s|^ *(PRIMARY|ACTIVE) '
	check "$1: every line is a note, an event or the result" python3 -c '
import re,sys
allowed=[r"^$", r"^EXIT=0$", r"^note: ", r"^registered ", r"^task definition unchanged", r"^updated service ",
         r"^waiting for deployment ", r"^[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9:]{5}) event: \(service ",
         r"^deployed web-staging:"]
bad=[l for l in open(sys.argv[1]).read().splitlines() if not any(re.match(a,l) for a in allowed)]
assert not bad, bad[:5]' "$f" || sed 's/^/# | /' "$f" >&2
}

sim_post /clock '{"speed": 10}' >/dev/null # a slower rollout: several redraws
run_in_tmux w80 80 tty-80
check_pane w80
run_in_tmux w50 50 tty-50
check_pane w50
run_in_tmux resize 120 tty-resize 60
check_pane resize
sim_post /clock '{"speed": 60}' >/dev/null

done_testing
