#!/usr/bin/env bash
# results.h5's numbers and every synthetic corpus are byte-identical for 1, 2 and 4 ranks, and for
# 1 and 3 threads per rank (emotions and SER tasks side by side).
source "$(dirname "$0")/common.sh"
for np in 1 2 4; do
  rc=$(run $np "$WORK/np$np")
  [ "$rc" = 0 ] || { cat "$WORK/np$np.log"; fail "-np $np exited $rc"; }
done
rc=$(run 2 "$WORK/np2t3" -s experiment.threads=3 -s experiment.log_level=info)
[ "$rc" = 0 ] || { cat "$WORK/np2t3.log"; fail "-np 2 with 3 threads exited $rc"; }
grep -q "x 3 thread(s)" "$WORK/np2t3.log" || { cat "$WORK/np2t3.log"; fail "the SER tasks did not run on 3 threads"; }
"$COMPARE" "$WORK/np1" "$WORK/np2" || fail "-np 1 and -np 2 differ"
"$COMPARE" "$WORK/np1" "$WORK/np4" || fail "-np 1 and -np 4 differ"
"$COMPARE" "$WORK/np1" "$WORK/np2t3" || fail "1 and 3 threads per rank differ"
cmp "$WORK/np1/summary.csv" "$WORK/np4/summary.csv" || fail "summary.csv differs"
echo "1 passed, 0 failed"
