#!/bin/sh
# A store where everyone of the shipped organisation has a key and is
# signed in at an agent, made the way people would: the shipped
# definitions deployed while the store is being set up, the security
# administrator (唐雪, tang.xue) enrolling herself, then everyone else with
# an initial passphrase that each replaces at their first `docket login`
# (typed on a pseudo-terminal by ptyrun, as a person would at a terminal).
#
# Usage: DOCKET=/abs/docket PTYRUN=/abs/ptyrun DOCKET_AGENT=/abs/sock \
#        sh tests/signed-store.sh STORE_DIR PASSPHRASE [INIT-OPTION]
# The agent at $DOCKET_AGENT holds every key afterwards; stop it with
# `docket agent stop`. Tests copy STORE_DIR (cp -a) rather than making
# their own, so one run signs everyone in once.
set -eu
store=$1
pass=$2
init_opt=${3:-}
repo=$(cd "$(dirname "$0")/.." && pwd)
d() { "$DOCKET" -C "$store" "$@"; }
typed() { "$PTYRUN" "$@" >/dev/null; }

d init $init_opt >/dev/null
d -u luo.bin deploy "$repo/workflows" "$repo/forms" "$repo/themes" >/dev/null
typed --type "$pass" --type "$pass" -- "$DOCKET" -C "$store" -u tang.xue enrol tang.xue
typed --type "$pass" -- "$DOCKET" -C "$store" -u tang.xue login
people=$(sed -n 's/^  - {id: \([a-z.]*\), name: [^,]*, department:.*/\1/p' "$repo/workflows/organisation.yaml")
list="$store.passphrases"
(umask 077 && : >"$list")
for p in $people; do
	[ "$p" = tang.xue ] || printf '%s %s\n' "$p" "$pass" >>"$list"
done
d -u tang.xue enrol --passphrases "$list" >/dev/null
rm -f "$list"
for p in $people; do
	[ "$p" = tang.xue ] && continue
	# the initial passphrase, then their own (the same, for the tests)
	typed --type "$pass" --type "$pass" --type "$pass" -- "$DOCKET" -C "$store" -u "$p" login
done
