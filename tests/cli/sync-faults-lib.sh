# Helpers for the sync fault scenarios (t98, t99): a server and two
# enrolled terminals, the fault proxy (tests/tools/faultproxy.py), counts of
# the last sync. Source after lib.sh and docketd-lib.sh.

# the retries' backoff short, so the unreachable cases are quick
export DOCKET_SYNC_RETRY_MS=20 DOCKET_SYNC_RETRIES=2
IOFAIL=${IOFAIL:-$BUILD/tests/libiofail.so}

trap '[ -s "$TMP/proxy.pid" ] && kill "$(cat "$TMP/proxy.pid")" 2>/dev/null
[ -s "$TMP/srv.pid" ] && [ ! -s "$TMP/srv.rc" ] && kill -TERM "$(cat "$TMP/srv.pid")" 2>/dev/null
sleep 0.2; rm -rf "$TMP"' EXIT

# sync_setup: a server store with the shipped definitions, serving; terminals
# A and B from the one signed base, each with the remote and enrolled
sync_setup() {
	"$DOCKETD" init --store srv >/dev/null &&
	docket -C srv -u luo.bin deploy "$REPO/workflows" "$REPO/forms" "$REPO/themes" >/dev/null &&
	signed_store A && cp -a A B &&
	start_server &&
	for t in A B; do
		docket -C $t remote set "$(cat url)" >/dev/null &&
		"$DOCKETD" enrol-code --store srv --name $t --for wang.fang,zhao.lei,qian.yu,zhou.min,huang.wei,zhang.wei >code$t 2>/dev/null &&
		docket -C $t enrol "$(cat code$t)" >/dev/null || return 1
	done
}

# start_proxy UPSTREAM: the fault proxy in front of UPSTREAM; its URL in
# $TMP/proxy.url, its plan $TMP/proxy.plan, its log $TMP/proxy.log
start_proxy() {
	: >"$TMP/proxy.plan"
	rm -f "$TMP/proxy.url"
	python3 "$REPO/tests/tools/faultproxy.py" --upstream "$1" --url-file "$TMP/proxy.url" \
		--plan "$TMP/proxy.plan" --log "$TMP/proxy.log" 2>>"$TMP/proxy.err" &
	echo $! >"$TMP/proxy.pid"
	i=0
	while [ ! -s "$TMP/proxy.url" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || return 1
		sleep 0.05
	done
}

# plan LINE...: what the proxy does to the next matching requests
plan() {
	printf '%s\n' "$@" >"$TMP/proxy.plan"
}

# new_leave T DATE: wang.fang asks for a day's leave on terminal T; prints the request
new_leave() {
	docket -C "$1" -u wang.fang --json new leave --set type=personal --set start="$2" --set end="$2" \
		--set reason=家中有事 | python3 -c 'import json,sys; print(json.load(sys.stdin)["request"])'
}


# checked T...: docket check passes on every terminal named
checked() {
	for t in "$@"; do
		docket -C "$t" check >"$TMP/check.$t" 2>&1 || { cat "$TMP/check.$t"; return 1; }
		grep -q "state matches" "$TMP/check.$t" || return 1
	done
}

# srv_checked: docketd check passes on the server store
srv_checked() {
	"$DOCKETD" check --store "${SRV_STORE:-$TMP/srv}" >"$TMP/check.srv" 2>&1 || { cat "$TMP/check.srv"; return 1; }
	grep -q "state matches" "$TMP/check.srv"
}

# mark_wait: until the server says the batch is judged (DOCKETD_TEST_PUSH_MARK)
mark_wait() {
	i=0
	while [ ! -e "$TMP/judged" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	test -e "$TMP/judged"
}
