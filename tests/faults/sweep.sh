# Shared by the fault sweeps (sourced; see t10-io-sweep.sh, t20-oom-sweep.sh).
#
# A scenario sets:
#   SHIM      the LD_PRELOAD library
#   AT_VAR    its variable naming the operation to act on (IOFAIL_AT, OOMFAIL_AT)
#   COUNT_VAR its variable naming the file it counts into
#   MODES     "fail crash" (a failing disk: fail the operation, or kill before it) or "fail"
#   SAMPLES   0: act at every operation; K: at K operations spread evenly
#   FAIL_RC   the exit a failed command must give ("3"; "any" when the
#             failure may surface as any clear error, as out of memory may)
#   shim_env N MODE  prints the shim's other variables for that run
# state DIR REQ DOC: what a person sees, and the log's length (new
# tasks' ids and revisions' commits differ from run to run: left out)
state() {
	{
		docket -C "$1" --json show "$2" 2>&1
		docket -C "$1" doc show "$3" 2>&1
		docket -C "$1" doc log "$3" 2>&1
		docket -C "$1" --json definitions 2>&1
		sqlite3 "$1/docket.db" 'select count(*), max(seq) from events' 2>&1
	} | sed -E 's/"task": "[a-z0-9]*"/"task": "…"/; s/[0-9a-f]{10,40}/#/g' |
		grep -v '^docket: note: refs/docs/.*(a save cut short)' # reconciling after a crash
}

# backtrace N MODE COMMAND...: where the command died, from gdb if there is one
backtrace() {
	command -v gdb >/dev/null || return 0
	bn=$1 bmode=$2
	shift 2
	rm -rf "$TMP/s" && cp -a "$TMP/base" "$TMP/s"
	gdb -q -batch -ex "set exec-wrapper env LD_PRELOAD=$SHIM $(shim_env "$bn" "$bmode") $AT_VAR=$bn" \
		-ex run -ex bt --args "$@" 2>&1 | grep '^#' | head -n 25
}

# crash_signature N MODE COMMAND...: where the command crashed, as the
# names of the frames from the innermost to the first of docket's own
# (an unnamed frame inside a library is "?", runs of them one "?"), e.g.
# "? git_config_add_backend git_config_snapshot git_packbuilder_new
# git_mempack_dump dgit_flush"; empty without gdb
crash_signature() {
	backtrace "$@" | sed -E 's/^#[0-9]+ +(0x[0-9a-f]+ in )?//' | awk '
		{ name = $1; if (name == "()" || name == "") name = "?" }
		name == "?" && last == "?" { next }
		{ printf "%s%s", sep, name; sep = " "; last = name }
		/ at src\// { exit }'
}

# known_crash SIGNATURE: the line of $KNOWN_CRASHES (tab-separated: an
# extended regular expression a signature must match whole, then the
# evidence) that SIGNATURE matches; false when none does
known_crash() {
	[ -n "${KNOWN_CRASHES:-}" ] && [ -n "$1" ] || return 1
	while IFS='	' read -r re evidence; do
		case "$re" in '#'* | '') continue ;; esac
		if printf '%s\n' "$1" | grep -Eqx -- "$re"; then
			printf '%s\n' "$evidence"
			return 0
		fi
	done <"$KNOWN_CRASHES"
	return 1
}

# sweep NAME COMMAND...: the sweep described above, on copies of $TMP/base
sweep() {
	name=$1
	shift
	rm -rf "$TMP/s" && cp -a "$TMP/base" "$TMP/s"
	state "$TMP/s" "$req" "$doc" >"$TMP/before"
	env LD_PRELOAD="$SHIM" $(shim_env 0 count) "$COUNT_VAR=$TMP/count" "$@" >/dev/null 2>"$TMP/err" || {
		echo "$name: the command fails on a healthy disk:"
		cat "$TMP/err"
		return 1
	}
	state "$TMP/s" "$req" "$doc" >"$TMP/after"
	total=$(cat "$TMP/count")
	if [ "$total" -lt 5 ]; then
		echo "$name: only $total operations counted: is the shim loaded?"
		return 1
	fi
	if cmp -s "$TMP/before" "$TMP/after"; then
		echo "$name: the command changes nothing a person sees"
		return 1
	fi
	bad=0 known=0
	: >"$TMP/known-crashes"
	step=1
	[ "$SAMPLES" -gt 0 ] && [ "$total" -gt "$SAMPLES" ] && step=$((total / SAMPLES))
	for mode in $MODES; do
		n=1
		while [ $n -le "$total" ]; do
			rm -rf "$TMP/s" && cp -a "$TMP/base" "$TMP/s"
			env LD_PRELOAD="$SHIM" $(shim_env $n $mode) "$AT_VAR=$n" "$@" >/dev/null 2>"$TMP/err"
			rc=$?
			where="$name: $mode at operation $n of $total $(shim_env $n $mode)"
			state "$TMP/s" "$req" "$doc" >"$TMP/now"
			# a crash inside a library that $KNOWN_CRASHES lists (with its
			# evidence) is that library's defect: it must still leave the store
			# as before or as after, as a kill does, and check must pass
			if [ $mode = fail ] && [ $rc -ge 128 ] && sig=$(crash_signature "$n" "$mode" "$@") &&
				why=$(known_crash "$sig"); then
				known=$((known + 1))
				echo "$n	$sig	$why" >>"$TMP/known-crashes"
				cmp -s "$TMP/before" "$TMP/now" || cmp -s "$TMP/after" "$TMP/now" || {
					echo "$where: crashed in a known place ($sig), and left it half done:"
					diff "$TMP/before" "$TMP/now" | head -n 20
					bad=$((bad + 1))
				}
			elif [ $mode = fail ] && [ $rc != 0 ]; then
				if { [ "$FAIL_RC" != any ] && [ $rc != "$FAIL_RC" ]; } || [ $rc -ge 128 ] ||
					[ $rc = 4 ] || [ ! -s "$TMP/err" ]; then
					echo "$where: exit $rc, expected ${FAIL_RC} with a message:"
					cat "$TMP/err"
					bad=$((bad + 1))
					[ $rc -ge 128 ] && echo "crash signature: $(crash_signature "$n" "$mode" "$@")" &&
						backtrace "$n" "$mode" "$@"
				fi
				cmp -s "$TMP/before" "$TMP/now" || {
					echo "$where: failed, yet changed what a person sees:"
					diff "$TMP/before" "$TMP/now" | head -n 20
					bad=$((bad + 1))
				}
			elif [ $mode = crash ] && [ $rc != 0 ]; then
				if [ $rc != 137 ]; then
					echo "$where: exit $rc, expected the kill (137):"
					cat "$TMP/err"
					bad=$((bad + 1))
				fi
				cmp -s "$TMP/before" "$TMP/now" || cmp -s "$TMP/after" "$TMP/now" || {
					echo "$where: half done:"
					diff "$TMP/before" "$TMP/now" | head -n 20
					bad=$((bad + 1))
				}
			else
				cmp -s "$TMP/after" "$TMP/now" || {
					echo "$where: succeeded, yet not as a clean run:"
					diff "$TMP/after" "$TMP/now" | head -n 20
					bad=$((bad + 1))
				}
			fi
			docket -C "$TMP/s" check >"$TMP/check" 2>&1 || {
				echo "$where: check fails afterwards:"
				cat "$TMP/check"
				bad=$((bad + 1))
			}
			if ! cmp -s "$TMP/after" "$TMP/now"; then
				"$@" >/dev/null 2>"$TMP/err" || {
					echo "$where: the command fails when run again:"
					cat "$TMP/err"
					bad=$((bad + 1))
				}
				state "$TMP/s" "$req" "$doc" >"$TMP/now"
				cmp -s "$TMP/after" "$TMP/now" || {
					echo "$where: run again, not as a clean run:"
					diff "$TMP/after" "$TMP/now" | head -n 20
					bad=$((bad + 1))
				}
			fi
			[ $bad -gt 10 ] && return 1
			n=$((n + step))
		done
	done
	echo "# $name: $total operations; $MODES at every ${step}"
	[ $known = 0 ] || echo "# $name: $known crashed inside a library, where KNOWN_CRASHES says (in $TMP/known-crashes)"
	[ $bad = 0 ]
}


# sweep_all WHAT: the three sweeps (an approval, a document save, a
# deploy) on a store with a request at its approver and a document
sweep_all() {
	test_expect_success 'a store with a request at its approver and a document' '
		signed_store base &&
		docket -C base -u wang.fang --json new leave --set type=personal --set start=2026-03-03 \
			--set end=2026-03-03 --set reason=家中有事 >new.json &&
		r=$(python3 -c "import json,sys; print(json.load(sys.stdin)[\"request\"])" <new.json) &&
		printf "各处室：\n现将有关事项通知如下。\n" >body.md &&
		docket -C base -u wang.fang doc new --title "关于值班的通知" --body-file body.md >doc &&
		echo "$r" >req
	'
	req=$(cat "$TMP/req" 2>/dev/null)
	doc=$(cat "$TMP/doc" 2>/dev/null)

	test_expect_success "an approval survives $1" '
		sweep approve "$DOCKET" -C "$TMP/s" -u zhao.lei approve "$req" -m 同意
	'

	test_expect_success "a document save survives $1" '
		printf "各处室：\n现将值班安排通知如下。\n" >"$TMP/body2.md" &&
		sweep doc-edit "$DOCKET" -C "$TMP/s" -u wang.fang doc edit "$doc" --body-file "$TMP/body2.md"
	'

	test_expect_success "a deploy survives $1" '
		sed "s/^name: .*/name: 请休假单/" "$REPO/forms/leave.yaml" >"$TMP/leave.yaml" &&
		sweep deploy "$DOCKET" -C "$TMP/s" -u luo.bin deploy "$TMP/leave.yaml"
	'
}
