#!/usr/bin/env bash
# emoaug run --part I/N, once per part into one run directory (what a SLURM array does), then
# emoaug aggregate: the same numbers as one whole run, whatever the rank count of each part.
source "$(dirname "$0")/common.sh"
rc=$(run 2 "$WORK/whole")
[ "$rc" = 0 ] || { cat "$WORK/whole.log"; fail "whole run exited $rc"; }
rc=$(run 1 "$WORK/parts" --part 1/3)
[ "$rc" = 0 ] || { cat "$WORK/parts.log"; fail "--part 1/3 exited $rc"; }
[ -e "$WORK/parts/results.h5" ] && fail "a part wrote results.h5"
"$EMOAUG" aggregate "$WORK/parts" >/dev/null 2>&1 && fail "aggregate took an incomplete run"
rc=$(run 2 "$WORK/parts" --part 0/3)
[ "$rc" = 0 ] || { cat "$WORK/parts.log"; fail "--part 0/3 exited $rc"; }
rc=$(run 1 "$WORK/parts" --part 2/3)
[ "$rc" = 0 ] || { cat "$WORK/parts.log"; fail "--part 2/3 exited $rc"; }
rc=$(run 1 "$WORK/parts" --part 3/3)
[ "$rc" = 1 ] || fail "--part 3/3 (no such part) exited $rc"
grep -q "the plan has" "$WORK/parts.log" || fail "--part 3/3 did not say how many parts there are"
"$EMOAUG" aggregate "$WORK/parts" >/dev/null || fail "aggregate failed"
"$COMPARE" "$WORK/whole" "$WORK/parts" || fail "the parts differ from the whole run"
cmp "$WORK/whole/summary.csv" "$WORK/parts/summary.csv" || fail "summary.csv differs"
echo "1 passed, 0 failed"
