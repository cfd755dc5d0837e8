#!/usr/bin/env bash
# `emoaug submit` on a real SLURM whose MaxArraySize (2) is below the run's number of parts: the
# parts (`emoaug run --part I/N`) must go out as several array jobs, each throttled to one element at
# a time (slurm.max_parallel = 1), every part run exactly once, and one aggregation job after all of
# them (--dependency=afterok:A:B:...) must leave one report over the whole study: a 2 x 2 sweep over
# a gan key and a ser key (job spec [sweep]) at 2 λcls values, 4 GAN parts.
# The cluster is private to this test (tests/slurm/cluster.sh starts it and stops it on every exit).
# Exit 77 (skipped) where SLURM cannot run here: not root, or no SLURM and no apt-get to install it.
set -uo pipefail
EMOAUG=$1
SRC=$2
export SLURM_EXTRA_CONF="MaxArraySize=2"
# shellcheck source=tests/slurm/cluster.sh
. "$(dirname "$0")/cluster.sh"

"$EMOAUG" synth -o "$WORK/data" >/dev/null || fail "emoaug synth"
cat >"$WORK/split.toml" <<EOF
[job]
name = "split"
config = "$SRC/configs/demo.toml"
set = ["data.target=$WORK/data/target.h5", "data.source=$WORK/data/source.h5",
       "data.cross=$WORK/data/cross.h5", "gan.epochs=4", "gan.pretrain.epochs=2",
       "ser.repetitions=1", "experiment.output=$WORK/split"]
lambda_cls = [0.0, 2.0]
mode = "array"
launcher = "srun"
[slurm]
ranks = 1
time = "00:10:00"
aggregate_time = "00:05:00"
max_parallel = 1
[sweep]
"gan.epochs" = [3, 4]
ser.real.epochs = [5, 10]
EOF
cd "$WORK" || fail "cd $WORK"
started=$SECONDS
"$EMOAUG" submit "$WORK/split.toml" >"$WORK/split.submit" 2>&1 || {
  cat "$WORK/split.submit"
  fail "emoaug submit"
}
cat "$WORK/split.submit"
mapfile -t IDS < <(sed -n 's/^job \([0-9]*\): .*/\1/p' "$WORK/split.submit")
# "MaxArraySize 2 (scontrol show config): N part(s) in M array job(s)": read from this cluster.
line=$(sed -n 's/^MaxArraySize 2 (scontrol show config): \([0-9]*\) part(s) in \([0-9]*\) array job(s)$/\1 \2/p' \
  "$WORK/split.submit")
[ -n "$line" ] || fail "submit did not say it read MaxArraySize 2 from scontrol"
read -r PARTS ARRAYS <<<"$line"
[ "$PARTS" = 4 ] || fail "$PARTS parts for 2 λcls x 2 gan.epochs values"
[ "$ARRAYS" = $(((PARTS + 1) / 2)) ] || fail "$PARTS parts in $ARRAYS arrays of at most 2"
[ ${#IDS[@]} = $((ARRAYS + 1)) ] || fail "expected $((ARRAYS + 1)) job ids, got '${IDS[*]}'"
AGG=${IDS[$ARRAYS]}
ARRAY_IDS=("${IDS[@]:0:$ARRAYS}")

# While the arrays run: each is throttled, and the aggregation job waits for every one of them.
dependency=$(scontrol show job "$AGG")
for id in "${ARRAY_IDS[@]}"; do
  [[ $dependency == *"afterok:${id}_*"* ]] || fail "job $AGG does not wait for array $id: $dependency"
  [[ $(scontrol show job "$id") == *ArrayTaskThrottle=1* ]] || fail "array $id is not throttled to 1"
done

for _ in $(seq 2400); do
  [ -z "$(squeue -h)" ] && break
  sleep 0.2
done
[ -z "$(squeue -h)" ] || fail "jobs still queued after 480 s: $(squeue)"
echo "all jobs done after $((SECONDS - started)) s"

for id in "${IDS[@]}"; do
  states=$(scontrol show job "$id" | grep -o 'JobState=[A-Z_]*' | sort -u)
  [ "$states" = JobState=COMPLETED ] || fail "job $id ended as: $states"
done
# Every part ran, in exactly one element (each element's log names its command line).
cat "$WORK"/split/slurm/split-*_*.out >"$WORK/elements.log" || fail "no element logs"
for ((part = 0; part < PARTS; ++part)); do
  n=$(grep -c -- "--part $part/$PARTS\$" "$WORK/elements.log")
  [ "$n" = 1 ] || fail "part $part/$PARTS ran $n times"
done
[ -f "$WORK/split/report.md" ] || fail "no report.md"
# within: real at each ser.real.epochs (2), syn and real+syn at each GAN part (8); cross: real
# (reads no swept key), syn and real+syn at each GAN part (8).
rows=$(tail -n +2 "$WORK/split/summary.csv" | wc -l)
[ "$rows" = 19 ] || fail "summary.csv has $rows rows, expected 19"
header=$(head -n 1 "$WORK/split/summary.csv")
[[ $header == protocol,setting,lambda_cls,gan.epochs,ser.real.epochs,uar_mean,* ]] ||
  fail "summary.csv's columns: $header"
grep -q "^## The study" "$WORK/split/report.md" || fail "report.md has no study table"
[ "$(find "$WORK/split/tasks/gan" -name emotion0.h5 | wc -l)" = 24 ] ||
  fail "GAN groups ran other than once each (4 GAN parts x 6 groups)"
"$EMOAUG" status "$WORK/split" --json >"$WORK/split.status" || fail "status of the finished run"
python3 - "$WORK/split.status" "${IDS[@]}" <<'EOF' || fail "status of the finished run: see above"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["state"] == "complete" and s["done"] == s["total"], s
ids = {j["id"] for j in s["jobs"]}
missing = [i for i in sys.argv[2:] if i not in ids]
assert not missing, ("jobs without a record", missing, ids)
EOF
cat "$WORK/split/summary.csv"
echo "1 passed, 0 failed"
