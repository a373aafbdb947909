#!/bin/sh
# make soak: kill -9 at random moments, SOAK times (default 1000), across
# approvals, document saves and deploys; then count what was lost, doubled
# or left inconsistent. Not part of make test (it takes a while): run it
# after changing how anything is written.
#
#   DOCKET=/abs/docket BUILD=/abs/build PTYRUN=/abs/ptyrun sh tests/soak.sh
#
# Each iteration starts one command (or a request and its approval) in the
# background, kills it with SIGKILL after 0-150 ms, then does what a person
# or a script would do next: runs it again until it succeeds (approvals
# with the same --uuid). Then, every iteration:
#   inconsistent: `docket check` fails or SQLite's integrity check does;
#   lost: what the command was to do is not there after the retry;
#   doubled: it is there twice (two requests for one --uuid, an approval
#            applied twice, two revisions for one save, two versions for
#            one deploy).
set -u
: "${DOCKET:?}" "${BUILD:?}" "${PTYRUN:?}"
here=$(cd "$(dirname "$0")" && pwd)
export TESTS_DIR="$here" REPO="$(dirname "$here")"
export TZ=Asia/Shanghai LANG=C.UTF-8 LC_ALL=C.UTF-8 LANGUAGE=
export DOCKET_NOW=2026-03-02T09:30:00+08:00 DOCKET_LOCALEDIR="$BUILD/locale"
unset DOCKET_STORE DOCKET_USER DOCKET_THEME XDG_DATA_HOME
n=${SOAK:-1000}
tmp=$(mktemp -d /tmp/docket-soak.XXXXXX)
export HOME="$tmp/home" DOCKET_AGENT="$tmp/agent/agent.sock"
mkdir -p "$HOME"
trap '"$DOCKET" agent stop >/dev/null 2>&1; rm -rf "$tmp"' EXIT INT TERM
s=$tmp/s
if ! DOCKET_NOW=2026-03-01T09:00:00+08:00 sh "$here/signed-store.sh" "$s" Docket-2026 >"$tmp/setup.log" 2>&1; then
	cat "$tmp/setup.log"
	echo "soak: the signed store could not be made"
	exit 1
fi
d() { "$DOCKET" -C "$s" "$@"; }
uuid() { printf '00000000-0000-4000-%04d-%012d' "$1" "$2"; }
count() { sqlite3 "$s/docket.db" "$1"; }
printf '各处室：\n第0版。\n' >"$tmp/body"
doc=$(d -u wang.fang doc new --title 关于值班的通知 --body-file "$tmp/body" 2>/dev/null)
[ -n "$doc" ] || { echo "soak: no document"; exit 1; }
revs() { d -u wang.fang --json doc log "$doc" | python3 -c 'import json,sys; o=json.load(sys.stdin); print(len(o["revisions"]) if isinstance(o, dict) else len(o))'; }

approve_pair() { # i: a leave request and its approval, each with its own uuid
	r=$(d -u wang.fang --json new leave --uuid "$(uuid 1 "$1")" --set type=personal \
		--set start=2026-03-03 --set end=2026-03-03 --set reason="第$1次" 2>/dev/null |
		sed -n 's/.*"request": "\([^"]*\)".*/\1/p')
	[ -n "$r" ] && d -u zhao.lei approve "$r" --uuid "$(uuid 2 "$1")" -m 同意 >/dev/null 2>&1
}
save() { # i: a new revision of the document
	printf '各处室：\n第%s版。\n' "$1" >"$tmp/body$1"
	d -u wang.fang doc edit "$doc" --body-file "$tmp/body$1" >/dev/null 2>&1
}
deploy() { # i: a new version of the leave form
	sed "s/^name: .*/name: 请假单$1/" "$REPO/forms/leave.yaml" >"$tmp/leave.yaml"
	d -u luo.bin deploy "$tmp/leave.yaml" >/dev/null 2>&1
}

lost=0 doubled=0 inconsistent=0 mid=0
i=1
while [ $i -le "$n" ]; do
	case $((i % 3)) in
	0) op=approve_pair ;;
	1) op=save ;;
	2) op=deploy ;;
	esac
	revs_before=$(revs)
	defs_before=$(count "select count(*) from definitions" 2>/dev/null || echo 0)
	$op $i &
	pid=$!
	sleep "0.$(printf '%03d' $((($(od -An -N2 -tu2 /dev/urandom) % 150))))"
	if kill -0 $pid 2>/dev/null; then
		kill -9 $pid 2>/dev/null
		# the child's own docket, if the shell function had started one
		pkill -9 -P $pid 2>/dev/null
		mid=$((mid + 1))
	fi
	wait $pid 2>/dev/null
	tries=0
	until $op $i; do
		tries=$((tries + 1))
		[ $tries -ge 5 ] && break
	done
	if ! d check >"$tmp/check" 2>&1 ||
		[ "$(sqlite3 "$s/docket.db" 'PRAGMA integrity_check')" != ok ]; then
		inconsistent=$((inconsistent + 1))
		echo "soak: $i ($op): inconsistent:"
		cat "$tmp/check"
	fi
	case $op in
	approve_pair)
		reqs=$(count "select count(*) from events where uuid = '$(uuid 1 $i)'")
		apps=$(count "select count(*) from events where uuid = '$(uuid 2 $i)'")
		[ "$reqs" = 1 ] && [ "$apps" = 1 ] || {
			[ "$reqs" = 0 ] || [ "$apps" = 0 ] && lost=$((lost + 1)) || doubled=$((doubled + 1))
			echo "soak: $i: request events $reqs, approval events $apps"
		} ;;
	save)
		d -u wang.fang doc show "$doc" | grep -q "第${i}版" || { lost=$((lost + 1)); echo "soak: $i: the save is lost"; }
		after=$(revs)
		[ "$after" -le $((revs_before + 1)) ] || { doubled=$((doubled + 1)); echo "soak: $i: $revs_before revisions became $after"; } ;;
	deploy)
		d definitions form leave 2>/dev/null | grep -qx "name: 请假单$i" || { lost=$((lost + 1)); echo "soak: $i: the deploy is lost"; } ;;
	esac
	[ $((i % 100)) = 0 ] && echo "soak: $i of $n"
	i=$((i + 1))
done
echo "soak: $n iterations, $mid killed mid-command: lost $lost, doubled $doubled, inconsistent $inconsistent"
[ $lost = 0 ] && [ $doubled = 0 ] && [ $inconsistent = 0 ]
