#!/usr/bin/env bash
# results.h5's numbers and every synthetic corpus are byte-identical for 1, 2 and 4 ranks.
source "$(dirname "$0")/common.sh"
for np in 1 2 4; do
  rc=$(run $np "$WORK/np$np")
  [ "$rc" = 0 ] || { cat "$WORK/np$np.log"; fail "-np $np exited $rc"; }
done
"$COMPARE" "$WORK/np1" "$WORK/np2" || fail "-np 1 and -np 2 differ"
"$COMPARE" "$WORK/np1" "$WORK/np4" || fail "-np 1 and -np 4 differ"
cmp "$WORK/np1/summary.csv" "$WORK/np4/summary.csv" || fail "summary.csv differs"
echo "1 passed, 0 failed"
