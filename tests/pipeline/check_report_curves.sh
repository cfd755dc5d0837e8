#!/usr/bin/env bash
# The report's training curves and figures written by processes side by side:
#  1. a run in progress (one part of two done, as an array element leaves it): `emoaug report`
#     writes a partial report with the training curves of the finished GAN groups, marked partial;
#  2. the finished run: the full report has the curves, unmarked;
#  3. two `emoaug report`, and two `emoaug run` finishing together, into one folder draw their
#     figures without getting in each other's way (temporary names per process).
source "$(dirname "$0")/common.sh"
figures=0
/usr/bin/python3 -c 'import matplotlib, h5py' 2>/dev/null && figures=1
[ "$figures" = 1 ] || echo "python3-matplotlib or python3-h5py missing: the figures are not checked"

# report RUNDIR NAME: `emoaug report` with its output in RUNDIR.NAME; prints the exit code.
report() {
  "$EMOAUG" report "$1" >"$1.$2" 2>&1
  echo $?
}

# 1. In progress.
out="$WORK/run"
rc=$(run 1 "$out" --part 1/2)
[ "$rc" = 0 ] || { cat "$out.log"; fail "--part 1/2 exited $rc"; }
rc=$(report "$out" partial)
[ "$rc" = 0 ] || { cat "$out.partial"; fail "report on a run in progress exited $rc"; }
md="$out/report.md"
grep -q '^# demo: emoaug report (partial)$' "$md" || { cat "$md"; fail "the report is not marked partial"; }
grep -q 'Run in progress:\*\* 6 of 12 GAN groups and [0-9]* of [0-9]* SER tasks have finished' "$md" ||
  { cat "$md"; fail "the partial report does not say how far the run got"; }
grep -q 'partial report' "$out.partial" || { cat "$out.partial"; fail "report did not say it is partial"; }
if [ "$figures" = 1 ]; then
  grep -q 'figures not drawn' "$out.partial" && { cat "$out.partial"; fail "no figures on a run in progress"; }
  [ -s "$out/training_curves.png" ] || fail "no training_curves.png for a run in progress"
  grep -q '^!\[Training curves (partial)\](training_curves.png)$' "$md" || { cat "$md"; fail "no partial curves in the report"; }
  grep -q '\*\*Partial:\*\* 6 of 12 GAN groups have finished' "$md" || { cat "$md"; fail "the caption is not marked partial"; }
  for fig in fig2_feature_stats fig3_confusion uar_vs_lambda; do
    [ -e "$out/$fig.png" ] && fail "a run in progress drew $fig.png"
  done
fi

# 2. Finished: every task done, then aggregated.
rc=$(run 1 "$out" --part 0/2)
[ "$rc" = 0 ] || { cat "$out.log"; fail "--part 0/2 exited $rc"; }
"$EMOAUG" aggregate "$out" >/dev/null 2>&1 || fail "aggregate failed"
rc=$(report "$out" full)
[ "$rc" = 0 ] || { cat "$out.full"; fail "report on the finished run exited $rc"; }
grep -q 'partial' "$md" && { cat "$md"; fail "the finished run's report says partial"; }
grep -q '^## Table 2' "$md" || fail "the finished run's report has no Table 2"
if [ "$figures" = 1 ]; then
  grep -q 'figures not drawn' "$out.full" && { cat "$out.full"; fail "figures not drawn"; }
  grep -q '^!\[Training curves\](training_curves.png)$' "$md" || { cat "$md"; fail "no curves in the report"; }
  grep -q 'median over the 5 folds' "$md" || { cat "$md"; fail "the caption does not count 5 folds"; }
  for fig in fig2_feature_stats fig3_confusion uar_vs_lambda training_curves; do
    [ -s "$out/$fig.png" ] || fail "report drew no $fig.png"
  done
fi

# 3. Side by side: reports a few times over, then two whole runs that finish together.
for i in 1 2 3; do
  report "$out" "a$i" >/dev/null &
  a=$!
  report "$out" "b$i" >/dev/null &
  b=$!
  wait $a $b
  for side in a b; do
    grep -q 'warning' "$out.$side$i" && { cat "$out.$side$i"; fail "two reports at once, round $i: a warning"; }
  done
done
both() {
  timeout 240 "$EMOAUG" run "$SRC/configs/demo.toml" "${QUICK[@]}" -s experiment.threads=1 \
    -s "experiment.output=$WORK/twice" >"$WORK/twice.$1" 2>&1
}
both a & a=$!
both b & b=$!
wait $a || { cat "$WORK/twice.a"; fail "the first of two runs failed"; }
wait $b || { cat "$WORK/twice.b"; fail "the second of two runs failed"; }
grep -H 'figures not drawn' "$WORK/twice.a" "$WORK/twice.b" && fail "two runs finishing together: a warning"
"$COMPARE" "$out" "$WORK/twice" >/dev/null || fail "two runs at once differ from the run in parts"
[ -z "$(find "$out" "$WORK/twice" -name '.*.tmp' -o -name '.plot_report*')" ] || fail "temporary files left behind"
echo "1 passed, 0 failed"
