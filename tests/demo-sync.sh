#!/bin/sh
# The README's quick tour of sync: a local docketd and terminals enrolled
# with it (doc/sync.md). Three commands, each in its own terminal window:
#
#   make server          # docketd over TLS on 127.0.0.1:8443 (Ctrl-C stops it)
#   make terminal T=a    # terminal a: 王芳 (wang.fang) applies
#   make terminal T=b    # terminal b: 赵磊 (zhao.lei) approves
#
# Usage: DOCKET=... DOCKETD=... PTYRUN=... sh tests/demo-sync.sh server BUILD
#        DOCKET=... DOCKETD=... PTYRUN=... sh tests/demo-sync.sh terminal BUILD NAME
# The server store (BUILD/demo-server) and each terminal's
# (BUILD/demo-terminal-NAME) are made once; run again, each opens as it was.
# Everyone's passphrase is Demo-2026.
set -eu
what=$1
build=$(cd "$2" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
export DOCKET_LOCALEDIR="${DOCKET_LOCALEDIR:-$build/locale}"
pass=Demo-2026
srv=$build/demo-server
port=${DOCKET_DEMO_PORT:-8443}
url=https://127.0.0.1:$port

case $what in
server)
	if [ ! -f "$srv/docket.db" ]; then
		"$DOCKETD" init --store "$srv" >/dev/null
		"$DOCKET" -C "$srv" -u luo.bin deploy "$repo/workflows" "$repo/forms" "$repo/themes" >/dev/null
		# a certificate for 127.0.0.1 that the demo terminals are told to trust
		openssl req -x509 -newkey rsa:2048 -nodes -keyout "$srv/server.key" -out "$srv/server.pem" \
			-days 3650 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
		chmod 600 "$srv/server.key"
	fi
	echo "docketd: the demo server store is $srv; terminals: make terminal T=a (王芳), make terminal T=b (赵磊)"
	exec "$DOCKETD" --store "$srv" --listen "127.0.0.1:$port" --cert "$srv/server.pem" --key "$srv/server.key"
	;;
terminal)
	name=$3
	store=$build/demo-terminal-$name
	case $name in
	a) who=wang.fang ;;
	b) who=zhao.lei ;;
	*) who=${DOCKET_DEMO_USER:-wang.fang} ;;
	esac
	if [ ! -f "$srv/docket.db" ]; then
		echo "no demo server yet: run \`make server\` in another window first" >&2
		exit 1
	fi
	base=$build/demo-sync-base
	if [ ! -f "$base/docket.db" ]; then
		# the organisation's terminals as its security administrator sets them up:
		# the definitions and everyone's key, once; each terminal starts as a copy
		echo "making the demo terminals' store (everyone signs in once; a minute)..."
		DOCKET_AGENT="$build/demo-sync-agent/agent.sock"
		export DOCKET_AGENT
		DOCKET="$DOCKET" PTYRUN="$PTYRUN" sh "$repo/tests/signed-store.sh" "$base.new" "$pass" --demo >/dev/null
		"$DOCKET" agent stop >/dev/null 2>&1 || :
		unset DOCKET_AGENT
		mv "$base.new" "$base"
	fi
	if [ ! -f "$store/docket.db" ]; then
		cp -a "$base" "$store.new" && mv "$store.new" "$store"
		"$DOCKET" -C "$store" remote set "$url" --ca "$srv/server.pem" >/dev/null
		code=$("$DOCKETD" enrol-code --store "$srv" --name "demo terminal $name ($who)" --for "$who" 2>/dev/null)
		"$DOCKET" -C "$store" enrol --name "demo-$name" "$code"
	fi
	"$DOCKET" -C "$store" sync || echo "(the server is not running? start it with \`make server\`; docket works offline meanwhile)"
	exec "$DOCKET" -C "$store" -u "$who"
	;;
*)
	echo "usage: sh tests/demo-sync.sh server|terminal BUILD [NAME]" >&2
	exit 2
	;;
esac
