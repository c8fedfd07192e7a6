#!/usr/bin/env bash
# creds_whoami.sh: `ecship whoami` against moto with credentials from (a) the environment,
# (b) a profile in temporary config/credentials files (static keys, and role_arn +
# source_profile), (c) web identity through moto's STS, (d) credential_process; each run must
# report the credential source it used. Fails (never skips) when whoami is missing.
. tests/lib/common.sh

ACCOUNT=123456789012
D=$T_TMP/aws
mkdir -p "$D"

# jget FILE KEY: a top-level string of a JSON object ("" when missing or not JSON).
jget() { python3 -c 'import json,sys
try: print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))
except Exception: print("")' "$1" "$2"; }

# is FIELD KEY WANT: the JSON output's KEY equals WANT.
is() {
	local got
	got=$(jget "$OUT" "$2")
	if [ "$got" = "$3" ]; then ok "$1"; else not_ok "$1"; echo "got '$got', want '$3'" | diag; fi
}

# No credential variables from the harness; each case sets what it uses.
clean() { env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
	-u AWS_WEB_IDENTITY_TOKEN_FILE -u AWS_ROLE_ARN -u AWS_ROLE_SESSION_NAME \
	AWS_CONFIG_FILE="$D/config" AWS_SHARED_CREDENTIALS_FILE="$D/credentials" "$@"; }

expect_exit "whoami exists (--help)" 0 "$ECSHIP" whoami --help
contains "whoami --help describes the credential source" "$OUT" 'credential'

# ---- (a) environment ------------------------------------------------------------------------
: >"$D/config"
: >"$D/credentials"
expect_exit "(a) environment: whoami succeeds" 0 clean AWS_ACCESS_KEY_ID=AKIAECSHIPTEST000001 \
	AWS_SECRET_ACCESS_KEY=ecship/test/secret/env "$ECSHIP" --output json whoami
is "(a) source is the environment" credential_source "environment"
is "(a) account" account "$ACCOUNT"
is "(a) region from AWS_REGION" region "$AWS_REGION"
contains "(a) json has arn" "$OUT" '"arn": *"arn:aws:(iam|sts)::'"$ACCOUNT"
contains "(a) json has user_id" "$OUT" '"user_id"'
expect_exit "(a) text output" 0 clean AWS_ACCESS_KEY_ID=AKIAECSHIPTEST000001 \
	AWS_SECRET_ACCESS_KEY=ecship/test/secret/env "$ECSHIP" whoami
contains "(a) text names the source" "$OUT" '^credential source +environment$'

# ---- (b) a profile in temporary files ----------------------------------------------------------
cat >"$D/config" <<'EOF'
# written by creds_whoami.sh
[default]
region = us-east-2

[profile dev]
region = eu-west-1
output = json

[profile deploy]
role_arn = arn:aws:iam::123456789012:role/deploy
source_profile = dev
role_session_name = ecship-whoami
EOF
cat >"$D/credentials" <<'EOF'
[dev]
aws_access_key_id = AKIAECSHIPTEST000002
aws_secret_access_key = ecship/test/secret/dev
EOF
expect_exit "(b) --profile dev: whoami succeeds" 0 clean env -u AWS_REGION "$ECSHIP" --profile dev --output json whoami
is "(b) source is the shared credentials file" credential_source "shared credentials file, profile 'dev'"
is "(b) account" account "$ACCOUNT"
is "(b) region from the profile" region "eu-west-1"
is "(b) profile reported" profile "dev"
expect_exit "(b) AWS_PROFILE=dev works the same" 0 clean AWS_PROFILE=dev "$ECSHIP" --output json whoami
is "(b) AWS_PROFILE source" credential_source "shared credentials file, profile 'dev'"
expect_exit "(b) --profile beats environment keys" 0 clean AWS_ACCESS_KEY_ID=AKIAECSHIPTEST000001 \
	AWS_SECRET_ACCESS_KEY=ecship/test/secret/env "$ECSHIP" --profile dev --output json whoami
is "(b) --profile skips the environment (as the AWS CLI does)" credential_source "shared credentials file, profile 'dev'"
expect_exit "(b) role_arn + source_profile: whoami succeeds" 0 clean "$ECSHIP" --profile deploy --output json whoami
is "(b) source names the assumed role" credential_source "profile 'deploy' (assume role arn:aws:iam::123456789012:role/deploy)"
is "(b) the caller is the assumed role" arn "arn:aws:sts::$ACCOUNT:assumed-role/deploy/ecship-whoami"
expect_exit "(b) unknown profile is a usage error" 2 clean "$ECSHIP" --profile nope whoami
contains "(b) unknown profile is named" "$ERR" "profile 'nope' not found"

# ---- (c) web identity through moto's STS ---------------------------------------------------------
printf '%s\n' 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJyZXBvOm93bmVyL2FwcCJ9.c2ln' >"$D/token"
: >"$D/config"
: >"$D/credentials"
expect_exit "(c) web identity: whoami succeeds" 0 clean AWS_WEB_IDENTITY_TOKEN_FILE="$D/token" \
	AWS_ROLE_ARN="arn:aws:iam::$ACCOUNT:role/github-actions" AWS_ROLE_SESSION_NAME=gha-run-1 \
	"$ECSHIP" --output json whoami
is "(c) source is web identity" credential_source "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)"
is "(c) the caller is the role from AWS_ROLE_ARN" arn "arn:aws:sts::$ACCOUNT:assumed-role/github-actions/gha-run-1"
expect_exit "(c) a missing token file fails with exit 3" 3 clean AWS_WEB_IDENTITY_TOKEN_FILE="$D/nope" \
	AWS_ROLE_ARN="arn:aws:iam::$ACCOUNT:role/github-actions" "$ECSHIP" whoami
contains "(c) the token file is named" "$ERR" "$D/nope"

# ---- (d) credential_process ------------------------------------------------------------------------
cat >"$D/creds-ok.sh" <<'EOF'
#!/bin/sh
cat <<JSON
{"Version": 1, "AccessKeyId": "AKIAECSHIPTEST000003", "SecretAccessKey": "ecship/test/secret/proc",
 "Expiration": "2099-01-01T00:00:00Z"}
JSON
EOF
cat >"$D/creds-fail.sh" <<'EOF'
#!/bin/sh
echo "sso session expired; run: corp-login" >&2
exit 4
EOF
chmod +x "$D/creds-ok.sh" "$D/creds-fail.sh"
cat >"$D/config" <<EOF
[profile ci]
credential_process = "$D/creds-ok.sh" --profile ci
[profile broken]
credential_process = $D/creds-fail.sh
EOF
expect_exit "(d) credential_process: whoami succeeds" 0 clean "$ECSHIP" --profile ci --output json whoami
is "(d) source is credential_process" credential_source "credential_process of profile 'ci'"
is "(d) account" account "$ACCOUNT"
expect_exit "(d) a failing credential_process exits 3" 3 clean "$ECSHIP" --profile broken whoami
contains "(d) its stderr is shown" "$ERR" 'sso session expired; run: corp-login'
contains "(d) its exit status is shown" "$ERR" 'exit status 4'
lacks "(d) no secret in the output" "$ERR" 'ecship/test/secret'

# ---- nothing configured -------------------------------------------------------------------------
: >"$D/config"
expect_exit "no credentials: exit 3" 3 clean "$ECSHIP" whoami
contains "no credentials: what was tried" "$ERR" 'tried: environment'
contains "no credentials: how to fix" "$ERR" 'aws configure'

done_testing
