#!/usr/bin/env bash
# input_files.sh: ecship.yml and definition files as editors write them: a UTF-8 byte-order mark
# (Windows Notepad) is accepted, UTF-16 (with or without a BOM) is refused with a message that
# says to save as UTF-8 (exit 2), and a validation message longer than 4 KiB is shown whole.
. tests/lib/common.sh

P=$T_TMP/proj
mkdir -p "$P"
cd "$P" || exit 1
BOM=$'\xef\xbb\xbf'
write_project() {
	printf '%sregion: ap-northeast-1\ncluster: c1\nservice: web\ntask_definition: td.json\nservice_definition: svc.json\n' "${1:-}" >ecship.yml
	printf '%s{"family": "web", "containerDefinitions": [{"name": "web", "image": "repo/web:v1", "memory": 256, "portMappings": [{"containerPort": 8000}]}]}\n' "${2:-}" >td.json
	printf '{"desiredCount": 1, "loadBalancers": [{"targetGroupArn": "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/t/0123456789abcdef", "containerName": "%s", "containerPort": 8000}]}\n' "${3:-web}" >svc.json
}
# utf16 FILE [bom]: rewrites FILE as UTF-16LE, with a byte-order mark when asked
utf16() { python3 -c 'import sys; t=open(sys.argv[1],encoding="utf-8-sig").read(); open(sys.argv[1],"wb").write(t.encode("utf-16" if sys.argv[2]=="bom" else "utf-16-le"))' "$1" "${2:-}"; }

write_project
expect_exit "the plain project renders" 0 "$ECSHIP" render

write_project "$BOM"
expect_exit "ecship.yml with a UTF-8 BOM renders" 0 "$ECSHIP" render
contains "every key of it was read (the task definition was found and rendered)" "$OUT" '"image": "repo/web:v1"'
lacks "no complaint about missing keys" "$ERR" 'error'
expect_exit "render --service with a BOM config" 0 "$ECSHIP" render --service
contains "the service definition was read" "$OUT" '"desiredCount": 1'

write_project "" "$BOM"
expect_exit "a task definition with a UTF-8 BOM renders" 0 "$ECSHIP" render
contains "its content is rendered" "$OUT" '"family": "web"'

write_project "$BOM" "$BOM"
expect_exit "both with a BOM render" 0 "$ECSHIP" render

write_project
utf16 ecship.yml bom
expect_exit "a UTF-16 ecship.yml (with BOM) is an input error" 2 "$ECSHIP" render
contains "it says UTF-16 and how to fix it" "$ERR" "^error: .*'ecship.yml' is UTF-16.*save it as UTF-8"
lacks "no parser noise" "$ERR" 'unknown key|line [0-9]+, column'

write_project
utf16 ecship.yml
expect_exit "a UTF-16 ecship.yml without BOM is an input error" 2 "$ECSHIP" render
contains "it names the NUL bytes and UTF-8" "$ERR" "^error: .*'ecship.yml' holds a NUL byte.*save it as UTF-8"

write_project
utf16 td.json bom
expect_exit "a UTF-16 task definition is an input error" 2 "$ECSHIP" render
contains "it names the definition file" "$ERR" "td.json' is UTF-16.*save it as UTF-8"

write_project
utf16 svc.json
expect_exit "a UTF-16 service definition (no BOM) is an input error" 2 "$ECSHIP" render --service
contains "it names the service definition" "$ERR" "svc.json' holds a NUL byte"

# A validation message quoting a 5000-character name is longer than 4 KiB: shown whole.
long=$(printf 'x%.0s' $(seq 1 5000))
write_project "" "" "$long"
expect_exit "an unknown long container name is an input error" 2 "$ECSHIP" render --service
lacks "no message is lost" "$ERR" 'message lost'
contains "the message quotes the whole name" "$ERR" "names container '$long', which is not in the task definition"

done_testing
