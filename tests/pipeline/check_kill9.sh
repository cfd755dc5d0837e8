#!/usr/bin/env bash
# kill -9 of one rank mid-run ends the job; a rerun of the same command finishes it with the same
# numbers as an uninterrupted run.
source "$(dirname "$0")/common.sh"
LONG=(-s gan.epochs=40)
rc=$(run 2 "$WORK/reference" "${LONG[@]}")
[ "$rc" = 0 ] || fail "reference run exited $rc"
timeout 240 "$MPIRUN" --oversubscribe -np 2 "$EMOAUG" run "$SRC/configs/demo.toml" "${QUICK[@]}" \
  "${LONG[@]}" -s "experiment.output=$WORK/killed" --no-report >"$WORK/killed.log" 2>&1 &
pid=$!
wait_for_training "$WORK/killed"
mpirun_pid=$(pgrep -P $pid | awk 'NR == 1')  # awk reads to the end: no SIGPIPE under pipefail
victim=$(pgrep -P "$mpirun_pid" | tail -n 1)
[ -n "$victim" ] || fail "no rank process found under mpirun $mpirun_pid"
kill -9 "$victim"
echo "killed rank process $victim of mpirun $mpirun_pid"
wait $pid
rc=$?
[ "$rc" != 0 ] || fail "the job survived kill -9 of a rank"
rc=$(run 2 "$WORK/killed" "${LONG[@]}")
[ "$rc" = 0 ] || { cat "$WORK/killed.log"; fail "rerun exited $rc"; }
"$COMPARE" "$WORK/reference" "$WORK/killed" || fail "rerun after kill -9 differs"
leftover=$(find "$WORK/killed" -name '.*.tmp')
[ -z "$leftover" ] || fail "temporary files of killed writes left behind: $leftover"
echo "1 passed, 0 failed"
