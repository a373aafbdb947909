#!/bin/sh
# Create (once) the demo store that `make run` opens: the demo organisation,
# forms, workflows and themes deployed and, on a new store only, requests in
# several states (draft, running, returned, approved, withdrawn, rejected,
# terminated) with Chinese opinions and an item to read (待阅) for wang.fang,
# made by the approval verbs. Running it again deploys whatever changed in
# the shipped definitions and nothing else.
# Usage: DOCKET=/abs/path/to/docket sh tests/demo-store.sh STORE_DIR
set -eu
store=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
export DOCKET_LOCALEDIR="${DOCKET_LOCALEDIR:-$(dirname "$store")/locale}"
# everyone has a key under the demo passphrase (doc/security.md); the
# agent signs while the store is made. A caller's agent ($DOCKET_AGENT) is
# left running; one started here stops at the end, so `make run` opens on
# the sign-in.
: "${PTYRUN:=$repo/build/tests/ptyrun}"
pass=Demo-2026
if [ -z "${DOCKET_AGENT:-}" ]; then
	DOCKET_AGENT="$(cd "$(dirname "$store")" && pwd)/demo-agent/agent.sock"
	export DOCKET_AGENT
	trap '"$DOCKET" agent stop >/dev/null 2>&1' EXIT
fi
new=0
if [ ! -f "$store/docket.db" ]; then
	DOCKET="$DOCKET" PTYRUN="$PTYRUN" sh "$repo/tests/signed-store.sh" "$store" "$pass" --demo
	new=1
else
	# the system administrator deploys what changed: signed in at the agent, once
	"$DOCKET" agent list 2>/dev/null | grep -q "^luo.bin	" ||
		"$PTYRUN" --type "$pass" -- "$DOCKET" -C "$store" -u luo.bin login >/dev/null
	"$DOCKET" -C "$store" -u luo.bin deploy "$repo/workflows" "$repo/forms" "$repo/themes" >/dev/null
fi
if [ "$new" = 1 ]; then
	d() { "$DOCKET" -C "$store" "$@"; }
	id() { sed -n 's/.*"request": "\([a-z2-7]*\)".*/\1/p'; }
	# a draft and a running outgoing document by wang.fang
	d -u wang.fang new outgoing --draft --set doc_type=notice --set title=关于做好春季防火工作的通知 \
		--set urgency=normal --set main_recipients=各区县人民政府 >/dev/null
	r=$(d -u wang.fang --json new outgoing --draft --set doc_type=notice --set title=关于召开全市安全生产会议的通知 \
		--set urgency=urgent --set main_recipients=各区县人民政府、市直各部门 | id)
	# its document: drafted by wang.fang, revised at review, approved as revised
	doc=$(d -u wang.fang --json doc new --instance "$r" --type 通知 --title 关于召开全市安全生产会议的通知 \
		--urgency 加急 --organ 示范市人民政府 --recipients 各区县人民政府、市直各部门 --body-file - <<-EOF |
		各区县人民政府、市直各部门：

		为贯彻落实全省安全生产工作部署，市政府定于2026年3月10日召开全市安全生产会议。现将有关事项通知如下：

		一、会议时间：2026年3月10日上午9:00。
		二、会议地点：市政府第一会议室。
		三、参会人员：各区县分管负责同志，市直各部门主要负责同志。

		请各单位于3月6日前将参会人员名单报市政府办公室。
		EOF
		sed -n 's/.*"id": "\([0-9a-z]*\)".*/\1/p')
	# attached while the draft is hers, then sent (need to know: doc/security.md)
	d -u wang.fang submit "$r" >/dev/null
	d -u zhao.lei doc edit "$doc" --body-file - >/dev/null <<-EOF
		各区县人民政府、市直各部门：

		为贯彻落实全省安全生产工作部署，经市政府同意，定于2026年3月10日召开全市安全生产会议。现将有关事项通知如下：

		一、会议时间：2026年3月10日（星期二）上午9:00。
		二、会议地点：市政府第一会议室。
		三、参会人员：各区县分管负责同志，市直各部门主要负责同志。

		请各单位于3月6日前将参会人员名单报市政府办公室。
		EOF
	d -u zhao.lei approve "$r" -m "同意，请秘书长签发" >/dev/null
	# the secretary-general sends it to wang.fang to read (her 待阅)
	d -u zhou.min circulate "$r" wang.fang >/dev/null
	# a leave request returned to wang.fang for more detail
	r=$(d -u wang.fang --json new leave --set type=personal --set start=2026-04-07 --set end=2026-04-08 \
		--set reason=家中有事 | id)
	d -u zhao.lei return "$r" --to applicant -m "请写明具体事由" >/dev/null
	# an approved trip
	r=$(d -u wang.fang --json new trip --set destination=省城 --set start=2026-03-10 --set end=2026-03-11 \
		--set budget=1200 --set purpose=参加公文处理培训 | id)
	d -u zhao.lei approve "$r" -m 同意 >/dev/null
	# a leave request wang.fang withdrew before anyone approved it
	r=$(d -u wang.fang --json new leave --set type=annual --set start=2026-05-06 --set end=2026-05-08 \
		--set reason=年休假 | id)
	d -u wang.fang withdraw "$r" >/dev/null
	# a rejected trip
	r=$(d -u wang.fang --json new trip --set destination=北京 --set start=2026-04-20 --set end=2026-04-24 \
		--set budget=8600 --set purpose=考察学习 | id)
	d -u zhao.lei reject "$r" -m "预算过高，不予同意" >/dev/null
	# a trip the system administrator terminated
	r=$(d -u wang.fang --json new trip --set destination=上海 --set start=2026-04-13 --set end=2026-04-14 \
		--set budget=2400 --set purpose=参加业务交流会 | id)
	d -u luo.bin terminate "$r" -m "会议取消，不再办理" >/dev/null
	# something in wang.fang's inbox: an incoming document to sign for
	d -u zhao.lei new incoming --set source_organ=省人民政府办公厅 --set title=关于开展政务服务检查的通知 \
		--set received=2026-03-02 --set urgency=normal >/dev/null
	d -u wang.fang opinions add "已阅" >/dev/null
	d -u wang.fang opinions add "拟同意，请领导阅示" >/dev/null
fi
echo "demo store: $store (everyone's passphrase: $pass)"
