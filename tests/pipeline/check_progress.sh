#!/usr/bin/env bash
# A run's progress lines (experiment/progress.h): with the interval shortened through
# EMOAUG_PROGRESS_INTERVAL_S, a quick demo on two ranks prints plain "progress:" lines for the GAN and
# the SER stage, from rank 0 only, with counts that rise.
source "$(dirname "$0")/common.sh"
out="$WORK/progress"
# SER epochs raised so that its stage, too, lasts a few intervals.
LONGER_SER=(-s ser.real.epochs=200 -s ser.syn.epochs=200 -s ser.real_syn.epochs=200)
rc=$(EMOAUG_PROGRESS_INTERVAL_S=0.3 run 2 "$out" -s experiment.log_level=info "${LONGER_SER[@]}")
[ "$rc" = 0 ] || { cat "$out.log"; fail "the run exited $rc"; }
grep -q $'\r' "$out.log" && fail "a carriage return in the log: lines must read well in a SLURM log"
grep -q '^\[emoaug 1/2\] progress:' "$out.log" && { grep progress: "$out.log"; fail "rank 1 printed progress"; }
line='^\[emoaug 0/2\] progress: (GAN groups|SER tasks) [0-9]+/[0-9]+ done, ([0-9.]+/min, ETA ([0-9]+ min|<1 min|[0-9]+ h [0-9]+ min)|none yet in (<1|[0-9]+) min)$'
grep 'progress:' "$out.log" | grep -vqE "$line" &&
  { grep 'progress:' "$out.log" | grep -vE "$line"; fail "progress lines not in the expected form"; }
grep 'progress:' "$out.log"
for stage in "GAN groups" "SER tasks"; do
  counts=$(grep -E "^\[emoaug 0/2\] progress: $stage " "$out.log" | sed -E 's/.* ([0-9]+)\/[0-9]+ done.*/\1/')
  [ -n "$counts" ] || fail "no progress line for the $stage"
  sort -n -c <<<"$counts" 2>/dev/null || fail "the $stage count went down: $(echo $counts)"
  [ "$(head -n 1 <<<"$counts")" -lt "$(tail -n 1 <<<"$counts")" ] ||
    fail "the $stage count did not rise: $(echo $counts)"
done
echo "1 passed, 0 failed"
