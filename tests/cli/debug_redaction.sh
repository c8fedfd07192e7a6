#!/usr/bin/env bash
# debug_redaction.sh: every command that exists, run with --debug, must not leak credential
# material (secret keys, session tokens, signatures, web identity tokens) to stdout or stderr,
# while --debug still shows the wire (so the test cannot pass by logging nothing).
. tests/lib/common.sh

SECRET='ecshipSECRETkey/with+slash0123456789ABCDEF'
TOKEN='ecshipSESSIONtoken0123456789abcdefFQoGZXIvYXdzEJr//////////'
WEBTOKEN='eyJhbGciOiJSUzI1NiJ9.ecshipWEBIDENTITYtoken.c2lnbmF0dXJl'
PROCSECRET='ecshipPROCESSsecret0123456789abcdefghij'

# Extra arguments a command needs to get as far as its AWS calls (commands not listed run bare).
cmd_args() {
	case "$1" in
	logs) echo "--since 5m" ;;
	run) echo "-- true" ;;
	*) echo "" ;;
	esac
}

leaks() { # FILE... : prints what leaked
	cat "$@" | grep -nE -e "$SECRET" -e "$TOKEN" -e "$WEBTOKEN" -e "$PROCSECRET" \
		-e 'Signature=[0-9a-f]{64}' \
		-e '<(SecretAccessKey|SessionToken)>[^<]*[A-Za-z0-9+/]{12}' \
		-e '"(SecretAccessKey|SessionToken|Token|secretAccessKey|sessionToken)" *: *"[A-Za-z0-9+/=]{12}' \
		-e 'X-Amz-Security-Token: *[A-Za-z0-9+/=]{12}' | head -5
}

commands=$("$ECSHIP" --help | sed -n '/^commands:/,/^$/p' | awk 'NF>1{print $1}')
check "--help lists at least whoami and version" bash -c "echo '$commands' | grep -qx whoami && echo '$commands' | grep -qx version"

mkdir -p "$T_TMP/cwd"
run_all() { # LABEL: runs every command with --debug under the current environment
	local label=$1 c
	for c in $commands; do
		# shellcheck disable=SC2046
		# in an empty scratch folder: a command such as init writes files where it runs
		rm -rf "$T_TMP/cwd" && mkdir -p "$T_TMP/cwd"
		(cd "$T_TMP/cwd" && "$ECSHIP" --debug --region ap-northeast-1 "$c" $(cmd_args "$c")) \
			>"$T_TMP/o" 2>"$T_TMP/e" </dev/null
		local found
		found=$(leaks "$T_TMP/o" "$T_TMP/e")
		if [ -z "$found" ]; then ok "$label: '$c --debug' leaks nothing"; else
			not_ok "$label: '$c --debug' leaks credential material"; echo "$found" | diag
		fi
	done
}

# 1. environment credentials with a session token
export AWS_SECRET_ACCESS_KEY=$SECRET AWS_SESSION_TOKEN=$TOKEN
run_all "environment"
expect_exit "whoami --debug succeeds" 0 "$ECSHIP" --debug whoami
contains "--debug shows the request" "$ERR" '^debug: .*POST '
contains "--debug shows the Authorization header with the signature redacted" "$ERR" 'Authorization: AWS4-HMAC-SHA256 Credential=[^/]*0000/[0-9]{8}/ap-northeast-1/sts/aws4_request, SignedHeaders=[a-z;-]+, Signature=<redacted>'
contains "--debug shows the session token header redacted" "$ERR" 'X-Amz-Security-Token: <redacted>'
contains "--debug shows the answer" "$ERR" '^debug: .*200'
unset AWS_SESSION_TOKEN

# 2. web identity: the STS answer carries fresh credentials, which must not be printed
echo "$WEBTOKEN" >"$T_TMP/webtoken"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
export AWS_WEB_IDENTITY_TOKEN_FILE=$T_TMP/webtoken AWS_ROLE_ARN=arn:aws:iam::123456789012:role/ci-deployer
expect_exit "web identity: whoami --debug succeeds" 0 "$ECSHIP" --debug whoami
contains "web identity: the STS call is logged" "$ERR" 'AssumeRoleWithWebIdentity'
found=$(leaks "$OUT" "$ERR")
if [ -z "$found" ]; then ok "web identity: no token or returned secret in the output"; else
	not_ok "web identity: credential material leaked"; echo "$found" | diag; fi
run_all "web identity"
unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN

# 3. credential_process
mkdir -p "$HOME/.aws"
cat >"$T_TMP/creds.sh" <<EOS
#!/bin/sh
echo '{"Version": 1, "AccessKeyId": "AKIAECSHIPTEST000001", "SecretAccessKey": "$PROCSECRET"}'
EOS
chmod +x "$T_TMP/creds.sh"
printf '[profile proc]\ncredential_process = %s\nregion = ap-northeast-1\n' "$T_TMP/creds.sh" >"$AWS_CONFIG_FILE"
export AWS_PROFILE=proc
expect_exit "credential_process: whoami --debug succeeds" 0 "$ECSHIP" --debug whoami
found=$(leaks "$OUT" "$ERR")
if [ -z "$found" ]; then ok "credential_process: no secret in the output"; else
	not_ok "credential_process: credential material leaked"; echo "$found" | diag; fi
run_all "credential_process"

done_testing
