#!/usr/bin/env bash
# The probe of the synthetic sets (experiment/probe.h):
#  1. a generator made to output another class's mean (EMOAUG_TEST_GENERATOR) gets a below-chance
#     warning naming its emotion, in the report and in the run's last log lines; the report has
#     the agreement matrices and Table 1's distance per emotion;
#  2. gan.select_epoch = "probe" picks a checkpoint, says which in the report, and a run killed
#     after some checkpoints resumes to the same numbers as one that ran through.
source "$(dirname "$0")/common.sh"
PROBE=(-s gan.epochs=12 -s gan.pretrain.epochs=2 -s gan.checkpoint_every=2)

# 1. sad (emotion 3) made of angry's mean.
out="$WORK/forced"
timeout 240 "$EMOAUG" run "$SRC/configs/demo.toml" "${QUICK[@]}" "${PROBE[@]}" \
  -s experiment.log_level=info -s "experiment.output=$out" >"$out.log" 2>&1 ||
  { cat "$out.log"; fail "the run failed"; }
EMOAUG_TEST_GENERATOR=3=0 timeout 240 "$EMOAUG" run "$SRC/configs/demo.toml" "${QUICK[@]}" \
  "${PROBE[@]}" -s experiment.log_level=info -s "experiment.output=$out.hooked" \
  >"$out.hooked.log" 2>&1 || { cat "$out.hooked.log"; fail "the hooked run failed"; }
# The warnings close the log, just before its "done in" line (other sets may be below chance too
# after so few epochs).
tail -n 6 "$out.hooked.log" >"$WORK/last"
grep -q "synthetic 'sad' set of λcls=0 as 'sad', below chance" "$WORK/last" ||
  { cat "$WORK/last"; fail "the run's last lines do not name the sad set"; }
[[ $(tail -n 1 "$WORK/last") == *"done in"* ]] || fail "the log does not end with its done line"
md="$out.hooked/report.md"
grep -q "^\*\*Warning:\*\* probe: .* 'sad' set of λcls=2 as 'sad', below chance" "$md" ||
  fail "report.md does not warn about the sad set"
grep -q "^| sad | 100.0 | 0.0 | 0.0 | 0.0 | 0.0 (below chance) |" "$md" ||
  fail "report.md's agreement matrix does not show the sad set labelled angry"
grep -q "^| | value | angry | happy | neutral | sad |" "$md" || fail "Table 1 has no per-emotion distances"
grep -q "^## The synthetic sets as a real-trained probe sees them" "$out/report.md" ||
  fail "the plain run's report has no probe section"

# 2. select_epoch = probe: through, and killed then resumed.
SELECT=(-s gan.select_epoch=probe -s gan.keep_checkpoints=1)
rc=$(run 1 "$WORK/through" "${PROBE[@]}" "${SELECT[@]}")
[ "$rc" = 0 ] || { cat "$WORK/through.log"; fail "select_epoch = probe exited $rc"; }
# Writes: config.toml, plan.txt, then a checkpoint set of 4 emotions every 2 epochs: killed during
# the first group's third set (after 6 epochs, past its first probes).
rc=$(EMOAUG_FAULT=kill@14 run 1 "$WORK/resumed" "${PROBE[@]}" "${SELECT[@]}")
[ "$rc" = 137 ] || { cat "$WORK/resumed.log"; fail "the kill did not happen ($rc)"; }
rc=$(run 1 "$WORK/resumed" "${PROBE[@]}" "${SELECT[@]}")
[ "$rc" = 0 ] || { cat "$WORK/resumed.log"; fail "the resumed run exited $rc"; }
"$COMPARE" "$WORK/through" "$WORK/resumed" || fail "the resumed run differs from the one through"
cmp "$WORK/through/summary.csv" "$WORK/resumed/summary.csv" || fail "summary.csv differs"
"$EMOAUG" report "$WORK/through" >/dev/null 2>&1 || fail "report failed"
grep -q "(gan.select_epoch = probe; the generators of " "$WORK/through/report.md" ||
  fail "the report does not say which epoch the generators came from"
echo "1 passed, 0 failed"
