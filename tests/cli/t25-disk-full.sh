#!/bin/sh
# A full disk while deploying: a clear message, exit 3, nothing half-written,
# and the store works again once there is room. A read-only file system:
# reading works and writing is refused clearly. Needs a small tmpfs, so it
# runs as root (as CI does) and is skipped elsewhere.
. "$TESTS_DIR/cli/lib.sh"

mnt="$TMP/small"
mkdir -p "$mnt"
if ! mount -t tmpfs -o size=4m tmpfs "$mnt" 2>/dev/null; then
	echo "ok 1 # skip disk-full: cannot mount a tmpfs here (not root)"
	exit 0
fi
trap 'umount "$mnt" 2>/dev/null; rm -rf "$TMP"' EXIT

test_expect_success 'a store on a nearly full disk' '
	docket -C "$mnt/s" init >/dev/null &&
	docket -C "$mnt/s" -u luo.bin deploy "$REPO/workflows/organisation.yaml" >/dev/null 2>&1 &&
	docket -C "$mnt/s" --json definitions --all >before.json &&
	( dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null || true )
'

test_expect_success 'deploy on a full disk fails clearly and changes nothing' '
	expect_exit 3 docket -C "$mnt/s" -u luo.bin deploy "$REPO/workflows" "$REPO/forms" "$REPO/themes" >out 2>err &&
	grep -i "disk full\|no space" err &&
	grep "nothing was deployed" err &&
	rm -f "$mnt/filler" &&
	docket -C "$mnt/s" --json definitions --all >after.json &&
	test_cmp before.json after.json
'

test_expect_success 'with room again, the same deploy succeeds' '
	docket -C "$mnt/s" -u luo.bin deploy "$REPO/workflows" "$REPO/forms" "$REPO/themes" >out 2>&1 &&
	grep "^deployed  workflow '\''leave'\''" out
'
test_expect_success 'on a read-only file system: reading works, writing is refused clearly' '
	mount -o remount,ro "$mnt" &&
	docket -C "$mnt/s" definitions >out 2>err &&
	grep "^workflow  *leave" out &&
	printf "kind: theme\nid: t\nname: 新主题\n" >t.yaml &&
	expect_exit 3 docket -C "$mnt/s" -u luo.bin deploy t.yaml >out 2>err &&
	grep -i "read-only" err &&
	mount -o remount,rw "$mnt" &&
	docket -C "$mnt/s" --json definitions >j && ! grep "\"id\": \"t\"" j
'
test_done
