# Helpers for the scenarios that run docketd (t95, t96): start and stop a
# server on 127.0.0.1 (any free port) over the store $TMP/srv, and talk to
# it with curl. Source after lib.sh.

# stop_server: SIGTERM to the server, wait for it; its exit status printed
stop_server() {
	kill -TERM "$(cat "$TMP/srv.pid")" || return 1
	i=0
	while [ ! -s "$TMP/srv.rc" ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || return 1
		sleep 0.05
	done
	cat "$TMP/srv.rc"
}
trap '[ -s "$TMP/srv.pid" ] && [ ! -s "$TMP/srv.rc" ] && kill -TERM "$(cat "$TMP/srv.pid")" 2>/dev/null; sleep 0.2; rm -rf "$TMP"' EXIT

# start_server [ENV=VALUE...]: docketd on 127.0.0.1, any free port (it prints
# which), its pid in $TMP/srv.pid, its exit status in $TMP/srv.rc when it
# ends, its log in $TMP/srv.log, its URL in $TMP/url
start_server() {
	rm -f "$TMP/srv.rc" "$TMP/srv.out"
	(
		# shellcheck disable=SC2086
		env "$@" "$DOCKETD" --store "${SRV_STORE:-$TMP/srv}" --listen 127.0.0.1:0 ${SRV_ARGS:-} >"$TMP/srv.out" 2>>"$TMP/srv.log" &
		echo $! >"$TMP/srv.pid"
		wait $!
		echo $? >"$TMP/srv.rc"
	) &
	i=0
	while ! grep -q "^listening on" "$TMP/srv.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || return 1
		sleep 0.05
	done
	sed -n 's/^listening on //p' "$TMP/srv.out" >"$TMP/url"
}

# http METHOD ROUTE [CURL-ARGS...]: the body to $TMP/body, the status printed
http() {
	m=$1 r=$2
	shift 2
	curl -s -o "$TMP/body" -w '%{http_code}' -X "$m" "$@" "$(cat "$TMP/url")$r"
}

# authed METHOD ROUTE [CURL-ARGS...]: http with the device's token
authed() {
	m=$1 r=$2
	shift 2
	http "$m" "$r" -H "Authorization: Bearer $(cat "$TMP/token")" "$@"
}

# json EXPR: EXPR of the last body (python, the body as `b`)
json() {
	python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$TMP/body" "$1"
}

srv_events() {
	sqlite3 "${SRV_STORE:-$TMP/srv}/docket.db" "SELECT count(*) FROM events"
}

# synced T: `docket sync --json` on terminal T, its answer in $TMP/sync.json
synced() {
	docket -C "$1" sync --json >"$TMP/sync.json"
}
# count KEY: that count of the last sync
count() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$TMP/sync.json" "$1"
}

# anyone_workflow: $TMP/anyone.yaml, an any-one (或签) step of 赵磊 and 钱宇 on the leave form
anyone_workflow() {
	cat >"$TMP/anyone.yaml" <<'YAML'
kind: workflow
id: anyone
name: 或签测试
form: leave
steps:
  - id: pick_one
    name: 科长或签
    mode: any
    assignees:
      - user: zhao.lei
      - user: qian.yu
YAML
}
