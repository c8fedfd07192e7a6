#!/bin/sh
# wire_log.sh ROOT LOG ARGS...: runs ecship --debug ARGS with its stderr (the redacted wire log)
# in LOG, for tests/lib/check_ecs_requests.py; exits with ecship's code. $ECSHIP is the binary
# (relative to ROOT when not absolute), as tests/run sets it.
root=$1 log=$2
shift 2
case $ECSHIP in
/*) bin=$ECSHIP ;;
*) bin=$root/$ECSHIP ;;
esac
exec "$bin" --debug "$@" 2>"$log"
