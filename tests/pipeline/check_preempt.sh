#!/usr/bin/env bash
# A stop signal (SIGUSR2 through mpirun, as SLURM's --signal sends it; SIGTERM to a single
# process) ends the run with exit code 75 after checkpointing; rerunning the same command ends
# with the same numbers as an uninterrupted run.
source "$(dirname "$0")/common.sh"
LONG=(-s gan.epochs=40)
rc=$(run 2 "$WORK/reference" "${LONG[@]}")
[ "$rc" = 0 ] || fail "reference run exited $rc"

# SIGUSR2 to mpirun mid-GAN.
timeout 240 "$MPIRUN" --oversubscribe -np 2 "$EMOAUG" run "$SRC/configs/demo.toml" "${QUICK[@]}" \
  "${LONG[@]}" -s "experiment.output=$WORK/stopped" --no-report >"$WORK/stopped.log" 2>&1 &
pid=$!
wait_for_training "$WORK/stopped"
mpirun_pid=$(pgrep -P $pid | awk 'NR == 1')  # awk reads to the end: no SIGPIPE under pipefail
[ -n "$mpirun_pid" ] || fail "mpirun not found under timeout $pid"
kill -USR2 "$mpirun_pid"
wait $pid
rc=$?
[ "$rc" = 75 ] || { cat "$WORK/stopped.log"; fail "stopped run exited $rc, expected 75"; }
grep -q "preempted" "$WORK/stopped.log" || fail "no 'preempted' message"
rc=$(run 2 "$WORK/stopped" "${LONG[@]}")
[ "$rc" = 0 ] || { cat "$WORK/stopped.log"; fail "resumed run exited $rc"; }
"$COMPARE" "$WORK/reference" "$WORK/stopped" || fail "resumed run differs from the uninterrupted one"

# SIGTERM to a single process, resumed on 2 ranks.
"$EMOAUG" run "$SRC/configs/demo.toml" "${QUICK[@]}" "${LONG[@]}" -s "experiment.output=$WORK/single" \
  --no-report >"$WORK/single.log" 2>&1 &
pid=$!
wait_for_training "$WORK/single"
kill -TERM $pid
wait $pid
rc=$?
[ "$rc" = 75 ] || { cat "$WORK/single.log"; fail "SIGTERM run exited $rc, expected 75"; }
rc=$(run 2 "$WORK/single" "${LONG[@]}")
[ "$rc" = 0 ] || fail "resumed run exited $rc"
"$COMPARE" "$WORK/reference" "$WORK/single" || fail "run resumed on another rank count differs"
echo "1 passed, 0 failed"
