#!/usr/bin/env bash
# `emoaug submit` on a real SLURM, private to this test (tests/slurm/cluster.sh starts it), with
# jobs/demo.toml cut short by overrides, submitted twice:
#   - as an array sweep (srun --mpi=pmix) with its aggregation job; element 0 gets USR2 as SLURM's
#     --signal would send it, must exit 75, requeue itself and resume;
#   - as one MPI job (mpirun).
# Both run directories must hold the same numbers. Exit 77 (skipped) where SLURM cannot run here:
# not root, or no SLURM and no apt-get to install it. Daemons and jobs are stopped on every exit.
set -uo pipefail
EMOAUG=$1
COMPARE=$2
SRC=$3
# shellcheck source=tests/slurm/cluster.sh
. "$(dirname "$0")/cluster.sh"

# ---- the demo, both forms -----------------------------------------------------------------------
"$EMOAUG" synth -o "$WORK/data" >/dev/null || fail "emoaug synth"
QUICK=(-s "data.target=$WORK/data/target.h5" -s "data.source=$WORK/data/source.h5"
  -s "data.cross=$WORK/data/cross.h5" -s gan.epochs=20 -s gan.pretrain.epochs=5
  -s ser.repetitions=1 -s gan.checkpoint_every=2)
cd "$WORK" || fail "cd $WORK"
started=$SECONDS
submit() {  # FORM OUTPUT [options]: prints the job ids
  local form=$1 out=$2
  shift 2
  "$EMOAUG" submit "$SRC/jobs/demo.toml" "${QUICK[@]}" -s "experiment.output=$out" "$@" \
    >"$WORK/$form.submit" 2>&1 || { cat "$WORK/$form.submit"; return 1; }
  sed -n 's/^job \([0-9]*\): .*/\1/p' "$WORK/$form.submit"
}
mapfile -t ARRAY_IDS < <(submit array "$WORK/array" --mode array)
[ ${#ARRAY_IDS[@]} = 2 ] || fail "array form: expected 2 job ids, got '${ARRAY_IDS[*]}'"
mapfile -t MPI_IDS < <(submit mpi "$WORK/mpi" --mode mpi --launcher mpirun)
[ ${#MPI_IDS[@]} = 1 ] || fail "MPI form: expected 1 job id, got '${MPI_IDS[*]}'"
JOBS=("${ARRAY_IDS[@]}" "${MPI_IDS[@]}")
ELEMENT=${ARRAY_IDS[0]}_0
cat "$WORK/array.submit" "$WORK/mpi.submit"

# emoaug status follows the submitted jobs from the queue on, before they have written a task.
"$EMOAUG" status "$WORK/mpi" >"$WORK/mpi.status" 2>&1
rc=$?
cat "$WORK/mpi.status"
[ "$rc" = 3 ] || fail "status of the just submitted MPI job exited $rc, not 3"
grep -Eq "^  ${MPI_IDS[0]} .*: (PENDING|CONFIGURING|RUNNING)" "$WORK/mpi.status" ||
  fail "status does not show the MPI job's state from squeue"

# Preempt element 0 once it has written a GAN checkpoint, as --signal=B:USR2@... would.
checkpoint=""
for _ in $(seq 600); do
  # -print -quit, not a reader that stops early: under pipefail find would die of SIGPIPE.
  checkpoint=$(find "$WORK/array/tasks/gan" -path '*checkpoint*' -name '*.h5' -print -quit 2>/dev/null)
  [ -n "$checkpoint" ] && break
  sleep 0.1
done
[ -n "$checkpoint" ] || fail "element 0 wrote no checkpoint within 60 s"
scancel --batch --signal=USR2 "$ELEMENT" || fail "scancel --signal=USR2 $ELEMENT"
requeued=0
for _ in $(seq 150); do
  if restarted_once "$ELEMENT"; then
    requeued=1
    break
  fi
  sleep 0.2
done
[ "$requeued" = 1 ] || fail "element 0 was not requeued after USR2"
# SLURM holds a requeued job back for two minutes; a test need not wait them out. The hold may be
# set only after the requeue shows, so lift it again while the element waits for its begin time.
scontrol update JobId="$ELEMENT" StartTime=now || fail "scontrol update StartTime"

for i in $(seq 1200); do
  [ -z "$(squeue -h)" ] && break
  if [ $((i % 5)) = 0 ] && [[ $(squeue -h -j "$ELEMENT" -o %r 2>/dev/null) == *BeginTime* ]]; then
    scontrol update JobId="$ELEMENT" StartTime=now 2>/dev/null
  fi
  sleep 0.2
done
[ -z "$(squeue -h)" ] || fail "jobs still queued after 240 s: $(squeue)"
echo "all jobs done after $((SECONDS - started)) s"

# ---- checks -------------------------------------------------------------------------------------
for id in "${JOBS[@]}"; do
  states=$(scontrol show job "$id" | grep -o 'JobState=[A-Z_]*' | sort -u)
  [ "$states" = JobState=COMPLETED ] || fail "job $id ended as: $states"
done
restarted_once "$ELEMENT" || fail "element 0 should show one restart"
log=$(ls "$WORK"/array/slurm/emoaug-demo-*_0.out)
grep -q "emoaug run: preempted" "$log" || fail "element 0's log has no 'preempted'"
grep -q "requeueing job" "$log" || fail "element 0's log has no requeue"
grep -q "(restart 1)" "$log" || fail "element 0's log shows no second start"
for form in array mpi; do
  [ -f "$WORK/$form/summary.csv" ] || fail "$form: no summary.csv"
  [ -f "$WORK/$form/report.md" ] || fail "$form: no report.md"
  # within and cross-corpus: real, then syn and real+syn for each of the 2 λcls values
  rows=$(tail -n +2 "$WORK/$form/summary.csv" | wc -l)
  [ "$rows" = 10 ] || fail "$form: summary.csv has $rows rows, expected 10"
done
"$COMPARE" "$WORK/array" "$WORK/mpi" || fail "the array sweep and the MPI job differ"
cmp "$WORK/array/summary.csv" "$WORK/mpi/summary.csv" || fail "summary.csv differs"
# Once all is done: complete, and element 0's own record counts its restart.
"$EMOAUG" status "$WORK/array" --json >"$WORK/array.status" || fail "status of the finished sweep"
python3 - "$WORK/array.status" "${ARRAY_IDS[0]}_0" <<'EOF' || fail "status of the finished sweep: see above"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["state"] == "complete" and s["done"] == s["total"], s
jobs = {j["id"]: j for j in s["jobs"]}
assert jobs[sys.argv[2]]["restarts"] >= 1, jobs
EOF
cat "$WORK/array/summary.csv"
echo "1 passed, 0 failed"
