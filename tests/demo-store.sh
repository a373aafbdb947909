#!/bin/sh
# Create (once) the demo store that `make run` opens: the demo organisation,
# forms, workflows and themes deployed. Running it again deploys whatever
# changed in the shipped definitions and nothing else.
# Usage: DOCKET=/abs/path/to/docket sh tests/demo-store.sh STORE_DIR
set -eu
store=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
export DOCKET_LOCALEDIR="${DOCKET_LOCALEDIR:-$(dirname "$store")/locale}"
if [ ! -f "$store/docket.db" ]; then
	"$DOCKET" -C "$store" init
fi
"$DOCKET" -C "$store" -u luo.bin deploy "$repo/workflows" "$repo/forms" "$repo/themes" >/dev/null
echo "demo store: $store"
