# Shared helpers for CLI scenarios, after git's test-lib: each case runs in
# a subshell, prints "ok N - title" or "not ok N - title" with the output
# that differed. Time, zone, locale and store are pinned for every case.
set -u
export TZ=Asia/Shanghai LANG=C.UTF-8 LC_ALL=C.UTF-8 LANGUAGE=
export DOCKET_NOW=2026-03-02T09:30:00+08:00
unset DOCKET_STORE DOCKET_USER DOCKET_THEME XDG_DATA_HOME
TMP=$(mktemp -d /tmp/docket-test.XXXXXX)
export HOME="$TMP/home"
mkdir -p "$HOME"
trap 'rm -rf "$TMP"' EXIT
test_count=0
test_failed=0

# test_expect_success TITLE BODY: run BODY (shell code) in a subshell.
test_expect_success() {
	test_count=$((test_count + 1))
	if (cd "$TMP" && eval "$2") >"$TMP/.log" 2>&1; then
		echo "ok $test_count - $1"
	else
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TMP/.log"
		test_failed=$((test_failed + 1))
	fi
}

# test_cmp EXPECTED ACTUAL: files must be identical; show the diff otherwise.
test_cmp() {
	diff -u "$1" "$2"
}

# docket with the test's binary
docket() {
	"$DOCKET" "$@"
}

# Who reads a request or a document in scenarios that look at it from
# outside: 钱宇 (qian.yu), whose role 机要档案 grants read_all (need to know:
# anyone else reads only what they are involved in).
RECORDS=qian.yu

# d ARGS...: docket on the scenario's store, $TMP/s.
d() {
	docket -C "$TMP/s" "$@"
}

# at HH:MM CMD...: run CMD at 2026-03-02 HH:MM (+08:00)
at() {
	t=$1
	shift
	DOCKET_NOW=2026-03-02T$t:00+08:00 "$@"
}

# newreq USER ARGS...: `docket new ARGS` by USER on $TMP/s; prints the new request's id
newreq() {
	u=$1
	shift
	d -u "$u" --json new "$@" | python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])'
}

# field ID KEY[.KEY...]: a value from `docket show --json ID` (`fields.days`: a form field's)
field() {
	d -u $RECORDS --json show "$1" | python3 -c '
import json, sys
o = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    o = o[k]
print(o)' "$2"
}

# events: how many events the log of $TMP/s holds
events() {
	sqlite3 "$TMP/s/docket.db" "SELECT count(*) FROM events"
}

# Ids are random: a scenario that compares text with them masks them by
# name. remember ID NAME: mask ID as NAME from now on (in $TMP/ids).
remember() {
	echo "$1 $2" >>"$TMP/ids"
}

# named_req NAME HH:MM USER ARGS...: newreq at HH:MM, remembered as NAME; prints its id
named_req() {
	name=$1 t=$2 u=$3
	shift 3
	id=$(at "$t" newreq "$u" "$@") && remember "$id" "$name" && echo "$id"
}

# task_of USER REQUEST NAME: remember the task USER has in 待办 for REQUEST as NAME
task_of() {
	d -u "$1" --json inbox | python3 -c "import json,sys; print([x['task'] for x in json.load(sys.stdin) if x['request']=='$2'][0])" >"$TMP/.t" &&
	remember "$(cat "$TMP/.t")" "$3"
}

# mask: stdin with every remembered id replaced by its name (padded to six characters, as ids are)
mask() {
	python3 -c '
import sys
ids = [l.split() for l in open(sys.argv[1])]
s = sys.stdin.read()
for i, n in ids:
    s = s.replace(i, n.ljust(len(i)))
sys.stdout.write(s)' "$TMP/ids"
}

# checked: `docket check` on $TMP/s passes (the log is intact, replaying it
# gives the same state); its report is shown when it does not.
checked() {
	d check >check.out 2>&1 || { cat check.out; return 1; }
}

# ptyrun [--type LINE]... -- CMD...: CMD on a pseudo-terminal, LINE typed
# at each passphrase prompt (tests/tools/ptyrun.c); CMD is a program, so
# "$DOCKET", not the docket function.
ptyrun() {
	"$BUILD/tests/ptyrun" "$@"
}

# expect_exit N CMD...: run CMD, require exit status N.
expect_exit() {
	want=$1
	shift
	"$@"
	got=$?
	if [ "$got" != "$want" ]; then
		echo "expected exit $want, got $got: $*" >&2
		return 1
	fi
}

test_done() {
	[ "$test_failed" = 0 ]
}

# signed_store DIR: a copy of the run's store where everyone of the shipped
# organisation has a key, with the shipped definitions deployed; the
# run's agent ($DOCKET_AGENT) signs for all of them (tests/signed-store.sh).
signed_store() {
	cp -a "$SIGNED_STORE" "$1"
}

# events_in DIR: how many events the log of store DIR holds
events_in() {
	sqlite3 "$1/docket.db" "SELECT count(*) FROM events"
}
