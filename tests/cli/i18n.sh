#!/usr/bin/env bash
# i18n.sh: ecship's messages in Japanese (gettext, po/ja.po). The catalogue compiles with
# msgfmt -c (formats match), every msgid in it still exists in the sources (no stale entries),
# and it translates every message of the diagnosis and of deploy (with its progress), rollback,
# doctor and infra.
# LANG=ja_JP.UTF-8 gives the failed deploy's diagnosis in Japanese, with the real ja_JP.UTF-8
# locale when it is installed and without it (C.UTF-8 fallback); LC_MESSAGES=C keeps English;
# ECSHIP_LOCALEDIR points elsewhere; `make install` installs the catalogue where the installed
# binary finds it. Runs on ecship-sim with moto upstream.
. tests/lib/common.sh
. tests/lib/sim.sh

ROOT=$PWD
for tool in msgfmt xgettext; do
	command -v "$tool" >/dev/null 2>&1 || { not_ok "$tool is installed (scripts/install-deps installs gettext)"; done_testing; exit 1; }
done

# 1. the catalogue
check "po/ja.po compiles with msgfmt -c" msgfmt -c -o "$T_TMP/ja.mo" po/ja.po
check "the build installed the catalogue next to the binary" test -s "$ECSHIP_BUILD/locale/ja/LC_MESSAGES/ecship.mo"
xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ -o "$T_TMP/now.pot" lib/*/*.c src/*.c
check "every msgid in the sources has its entry in ja.po (msgcmp: none missing)" msgcmp po/ja.po "$T_TMP/now.pot"
check "every msgid of ja.po exists in the sources (no stale entries)" python3 - po/ja.po "$T_TMP/now.pot" <<'PY'
import re, sys
def ids(path):
    out, cur, obsolete = set(), None, False
    for line in open(path, encoding="utf-8"):
        if line.startswith("#~"): continue
        m = re.match(r'msgid (".*")$', line)
        if m: cur = [m.group(1)]; continue
        if line.startswith('"') and cur is not None: cur.append(line.strip()); continue
        if cur is not None:
            s = "".join(eval(x) for x in cur)
            if s: out.add(s)
            cur = None
    return out
po, src = ids(sys.argv[1]), ids(sys.argv[2])
stale = sorted(po - src)
assert not stale, "stale msgids: %r" % stale[:5]
PY
check "every message of the diagnosis, deploy, rollback, doctor and infra is translated" python3 - po/ja.po <<'PY'
import re, sys
files = ("lib/ecs/deploy.c", "lib/ecs/rollout.c", "lib/ecs/wait.c", "lib/ecs/failfast.c", "src/cli_progress.c",
         "lib/infra/plan.c", "lib/infra/quota.c", "lib/infra/rules.c", "lib/infra/stack.c",
         "lib/troubleshoot/diagnose.c", "lib/troubleshoot/doctor.c", "lib/troubleshoot/doctor_net.c",
         "src/cli_diagnose.c", "src/cli_summary.c", "src/cmd_deploy.c", "src/cmd_rollback.c",
         "src/cmd_doctor.c", "src/cmd_infra.c")
entries, refs, cur, field = [], [], None, None
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("#:"): refs += line[2:].split(); continue
    m = re.match(r'(msgid|msgstr) (".*")$', line)
    if m:
        if m.group(1) == "msgid": cur = {"refs": refs, "msgid": "", "msgstr": ""}; refs = []; entries.append(cur)
        field = m.group(1); cur[field] = eval(m.group(2)); continue
    if line.startswith('"') and cur is not None: cur[field] += eval(line.strip())
missing = [e["msgid"] for e in entries if e["msgid"] and not e["msgstr"]
           and any(r.split(":")[0] in files for r in e["refs"])]
assert not missing, "untranslated: %r" % missing[:5]
PY

# 2. a failing deploy in Japanese and in English
start_sim --upstream "$MOTO_URL" --speed 60 --seed 19 --region "$AWS_REGION" || { not_ok "sim starts"; done_testing; exit 1; }
export AWS_ENDPOINT_URL=$SIM_URL AWS_DEFAULT_REGION=$AWS_REGION
sim_failure_rules
P=$T_TMP/proj
sim_project i18n "$P"
cd "$P" || exit 1
unset LANGUAGE LC_ALL LC_MESSAGES
expect_exit "first deploy completes" 0 env LANG=C.UTF-8 "$ECSHIP" deploy --tag v1

japanese_diagnosis() { # DESC FILE
	contains "$1: the error is in Japanese" "$2" "^エラー: サービス 'web-staging' のデプロイに失敗しました: "
	contains "$1: the rollback is reported in Japanese" "$2" 'サービスは web-staging:1 に戻りました'
	contains "$1: the diagnosis heading is in Japanese" "$2" "^サービス 'web-staging' の web-staging:[0-9]+ の診断:"
	contains "$1: the cause is in Japanese" "$2" "^原因: コンテナ 'web' が終了コード 3 で終了しました（最後の出力: 'KeyError: .DATABASE_URL.'）"
	contains "$1: the hint is in Japanese" "$2" "^ヒント: 理由は上のログに出ています。'ecship logs --task [0-9a-f]+'"
	lacks "$1: no English diagnosis lines" "$2" '^(cause|hint|error): |^diagnosis of '
	contains "$1: the progress notes are in Japanese" "$2" '^[0-9:]+Z デプロイメント ecs-svc/[0-9]+ を待っています$'
	contains "$1: the service events are labelled in Japanese" "$2" '^[0-9:]+Z イベント: \(service web-staging\)'
}
if locale -a 2>/dev/null | grep -qi '^ja_JP\.utf-\?8$'; then
	expect_exit "LANG=ja_JP.UTF-8 (locale installed): a failing deploy exits 1" 1 env LANG=ja_JP.UTF-8 "$ECSHIP" deploy --tag crash-1
	japanese_diagnosis "ja_JP.UTF-8 installed" "$ERR"
else
	ok "# SKIP the ja_JP.UTF-8 locale is not installed (scripts/install-deps generates it as root)"
fi
# the same without the locale: LOCPATH hides the installed locales from glibc
mkdir -p "$T_TMP/nolocales"
expect_exit "LANG=ja_JP.UTF-8 (locale missing): a failing deploy exits 1" 1 env LOCPATH="$T_TMP/nolocales" LANG=ja_JP.UTF-8 "$ECSHIP" deploy --tag crash-2
japanese_diagnosis "ja_JP.UTF-8 missing" "$ERR"

expect_exit "LC_MESSAGES=C: a failing deploy exits 1" 1 env LANG=ja_JP.UTF-8 LC_MESSAGES=C "$ECSHIP" deploy --tag crash-3
contains "LC_MESSAGES=C: the error is in English" "$ERR" "^error: deploy of service 'web-staging' failed: "
contains "LC_MESSAGES=C: the cause is in English" "$ERR" "^cause: container 'web' exited with code 3 after writing 'KeyError: .DATABASE_URL.'"
contains "LC_MESSAGES=C: the hint is in English" "$ERR" "^hint: the log lines above show why"
lacks "LC_MESSAGES=C: nothing in Japanese" "$ERR" 'エラー|原因|ヒント'

expect_exit "ECSHIP_LOCALEDIR without a catalogue: English" 2 env LANG=ja_JP.UTF-8 ECSHIP_LOCALEDIR="$T_TMP/nolocales" "$ECSHIP" rollback extra
contains "ECSHIP_LOCALEDIR is where the catalogue is looked for" "$ERR" "^error: 'rollback' takes no arguments"

# 3. rollback, doctor and infra speak Japanese too
expect_exit "rollback: a usage error in Japanese" 2 env LANG=ja_JP.UTF-8 "$ECSHIP" rollback extra
contains "rollback: the error and hint are in Japanese" "$ERR" "^エラー: 'rollback' は引数を取りません（'extra' が指定されました）"
# the tool's own messages (cli_error/cli_hint/cli_note/cli_report, scripts/check-i18n): English
# before R7 (/work/notes/h26.md), now in _() and po/ja.po; LC_MESSAGES=C keeps them byte-identical
expect_exit "status: a usage error in Japanese" 2 env LANG=ja_JP.UTF-8 "$ECSHIP" status extra
contains "status: the error is in Japanese" "$ERR" "^エラー: 'status' は引数を取りません（'extra' が指定されました）$"
expect_exit "status: the usage error in English with LC_MESSAGES=C" 2 env LANG=ja_JP.UTF-8 LC_MESSAGES=C "$ECSHIP" status extra
contains "status: the English text is unchanged" "$ERR" "^error: 'status' takes no arguments, got 'extra'$"
expect_exit "deploy: an unknown option in Japanese" 2 env LANG=ja_JP.UTF-8 "$ECSHIP" deploy --bogus
contains "deploy: the option error is in Japanese" "$ERR" "^エラー: 不明なオプション '--bogus'（'deploy'）: 'ecship deploy --help' を参照してください$"
expect_exit "deploy: a --service matching nothing in Japanese" 2 env LANG=ja_JP.UTF-8 "$ECSHIP" deploy --service 'nomatch-*'
contains "deploy: the error names the pattern in Japanese" "$ERR" "^エラー: '.*' に 'nomatch-\\*' に一致するサービスがありません$"
contains "deploy: the hint is in Japanese" "$ERR" "^ヒント: そこの 'services:' にあるサービスを指定してください"
expect_exit "rule: a missing subcommand in Japanese" 2 env LANG=ja_JP.UTF-8 "$ECSHIP" rule
contains "rule: the error is in Japanese" "$ERR" "^エラー: 'rule' にはサブコマンドが必要です: ensure か list$"
lacks "the tool's messages: no English label" "$ERR" '^(error|hint|warning): '
expect_exit "status in Japanese" 0 env LANG=ja_JP.UTF-8 "$ECSHIP" status
contains "status: the service line is in Japanese" "$OUT" "^サービス     web-staging（ACTIVE）クラスター "
contains "status: the revision line is in Japanese" "$OUT" "^リビジョン   web-staging:[0-9]+$"
contains "status: the tasks line is in Japanese" "$OUT" "^タスク       必要 [0-9]+、実行中 [0-9]+、保留 [0-9]+$"
contains "status: the deployments heading is in Japanese" "$OUT" "^デプロイメント$"
lacks "status: no English label" "$OUT" '^(service|revision|tasks|breaker|previous|deployments) '
expect_exit "status in English with LC_MESSAGES=C" 0 env LANG=ja_JP.UTF-8 LC_MESSAGES=C "$ECSHIP" status
contains "status: the English lines are unchanged" "$OUT" "^revision     web-staging:[0-9]+$"
contains "status: the English tasks line is unchanged" "$OUT" "^tasks        desired [0-9]+, running [0-9]+, pending [0-9]+$"
expect_exit "whoami in Japanese" 0 env LANG=ja_JP.UTF-8 "$ECSHIP" whoami
contains "whoami: the account line is in Japanese" "$OUT" "^アカウント         [0-9]{12}$"
contains "whoami: the region line is in Japanese" "$OUT" "^リージョン         $AWS_REGION（.* から）$"
lacks "whoami: no English label" "$OUT" '^(account|region|credential source) '
expect_exit "rollback in Japanese" 0 env LANG=ja_JP.UTF-8 "$ECSHIP" rollback --to 1
contains "rollback: the result is in Japanese" "$OUT" "^サービス 'web-staging' はすでに web-staging:1 で稼働しています"
env LANG=ja_JP.UTF-8 "$ECSHIP" doctor >"$T_TMP/doctor.out" 2>"$T_TMP/doctor.err"
contains "doctor: the check titles are in Japanese" "$T_TMP/doctor.out" '^\[(ok|warn|FAIL|skip)\] *[a-z-]+: (ECS クラスター|タスク実行ロール|ベーススタック)'
contains "doctor: the summary line is in Japanese" "$T_TMP/doctor.out" '^ok [0-9]+、warn [0-9]+、fail [0-9]+、skip [0-9]+$'
expect_exit "infra: an unknown subcommand in Japanese" 2 env LANG=ja_JP.UTF-8 "$ECSHIP" --region "$AWS_REGION" infra bogus
contains "infra: the error is in Japanese" "$ERR" "^エラー: 不明なサブコマンド 'infra bogus'"
expect_exit "infra: a bad parameter in Japanese" 2 env LANG=ja_JP.UTF-8 "$ECSHIP" --region "$AWS_REGION" infra deploy --stack s bad
contains "infra: the library's error is in Japanese too" "$ERR" "^エラー: 引数が不正です: パラメーター 'bad' が不正です: KEY=VALUE の形で"

# a deploy's result line (printf in cmd_deploy.c, scripts/check-i18n's printf rule)
expect_exit "a deploy in Japanese completes" 0 env LANG=ja_JP.UTF-8 "$ECSHIP" deploy --tag v2
contains "deploy: the result line is in Japanese" "$OUT" "^web-staging:[0-9]+ をサービス 'web-staging' にデプロイしました（デプロイメント ecs-svc/[0-9]+、[0-9.]+ 秒）$"

expect_exit "infra diff of a missing stack in Japanese" 0 env LANG=ja_JP.UTF-8 "$ECSHIP" --region "$AWS_REGION" infra diff --stack i18n-nostack --template "$ROOT/cloudformation/ecs-cluster.yml"
contains "infra diff: the missing stack is said in Japanese" "$OUT" "^スタック i18n-nostack はありません: 'ecship infra deploy' で .* から作成されます（"

expect_exit "tasks in Japanese" 0 env LANG=ja_JP.UTF-8 "$ECSHIP" tasks
contains "tasks: the task line is in Japanese" "$OUT" "^タスク [0-9a-f]+  web-staging:[0-9]+  RUNNING（目標 RUNNING）  ヘルス "
contains "tasks: the started line is in Japanese" "$OUT" "^  開始 [0-9TZ:.-]+  停止 "

# 4. make install puts the catalogue where the installed binary finds it
cd "$ROOT" || exit 1
check "make install (DESTDIR)" make -s install PREFIX=/usr DESTDIR="$T_TMP/inst" BUILD="${ECSHIP_BUILD#"$ROOT"/}" Q=
check "the catalogue is installed under PREFIX/share/locale" test -s "$T_TMP/inst/usr/share/locale/ja/LC_MESSAGES/ecship.mo"
(cd "$P" && env LANG=ja_JP.UTF-8 "$T_TMP/inst/usr/bin/ecship" rollback extra) >/dev/null 2>"$T_TMP/inst.err"
contains "the installed binary finds its catalogue" "$T_TMP/inst.err" "^エラー: 'rollback' は引数を取りません"

done_testing
