#!/bin/sh
# Run every scripted CLI scenario (tests/cli/t*.sh) against the built
# docket. Each script sources tests/cli/lib.sh and reports its cases.
# Needs: DOCKET (absolute path of the binary), BUILD (absolute build dir).
#   sh tests/run-cli.sh [SUITE]   SUITE: cli (default) or faults (tests/faults/t*.sh)
set -u
here=$(cd "$(dirname "$0")" && pwd)
export TESTS_DIR="$here" REPO="$(dirname "$here")"
export DOCKET_LOCALEDIR="$BUILD/locale"
# under `make test-asan`: leaks inside fontconfig, cairo and pango are theirs (tests/lsan.supp)
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
suite=${1:-cli}
# each suite its own, so the two can run side by side
sfx=
[ "$suite" = cli ] || sfx=-$suite
# everyone signed in once for the whole run: a store to copy, and its agent
export DOCKET_AGENT="$BUILD/test-agent$sfx/agent.sock" SIGNED_STORE="$BUILD/signed-store$sfx"
export PTYRUN="$BUILD/tests/ptyrun"
rm -rf "$SIGNED_STORE"
"$DOCKET" agent stop >/dev/null 2>&1
if ! DOCKET_NOW=2026-03-01T09:00:00+08:00 TZ=Asia/Shanghai LANGUAGE= LC_ALL=C.UTF-8 \
	sh "$here/signed-store.sh" "$SIGNED_STORE" Docket-2026 >"$BUILD/signed-store$sfx.log" 2>&1; then
	cat "$BUILD/signed-store$sfx.log"
	echo "$suite: the signed store could not be made"
	exit 1
fi
trap '"$DOCKET" agent stop >/dev/null 2>&1' EXIT
total_pass=0 total_fail=0
for t in "$here/$suite"/t*.sh; do
	# T=t90 (or a space-separated list of prefixes) runs only those scenarios
	if [ -n "${T:-}" ]; then
		keep=
		for want in $T; do case "$(basename "$t")" in "$want"*) keep=1 ;; esac; done
		[ -n "$keep" ] || continue
	fi
	out=$(sh "$t" 2>&1)
	status=$?
	printf '%s\n' "$out" | grep -v '^ok ' || true
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	if [ "$status" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok $(basename "$t"): exited $status"
		f=1
	fi
	echo "$(basename "$t"): $p passed, $f failed"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
done
echo "$suite: $total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
