#!/usr/bin/env bash
# A study: `--sweep ser.real.epochs=10,20 --sweep gan.lambda_cls=...` runs each GAN group once (the
# ser key's points share them), summary.csv gets a column for the ser key, the report a study
# table and comparisons with the reference; the λcls-only points give the numbers of a plain run;
# a sweep whose points collapse into one config is refused before anything is written.
source "$(dirname "$0")/common.sh"
rc=$(run 1 "$WORK/plain")
[ "$rc" = 0 ] || { cat "$WORK/plain.log"; fail "plain run exited $rc"; }
timeout 240 "$EMOAUG" run "$SRC/configs/demo.toml" "${QUICK[@]}" -s "experiment.output=$WORK/study" \
  -s experiment.log_level=info --sweep ser.real.epochs=10,20 --sweep gan.lambda_cls=0,2 \
  >"$WORK/study.log" 2>&1 || { cat "$WORK/study.log"; fail "the study failed"; }
grep -q "study: 4 points, 12 GAN groups" "$WORK/study.log" || {
  cat "$WORK/study.log"
  fail "the study's GAN groups were not shared (expected 12 for 4 points)"
}
groups=$(find "$WORK/study/tasks/gan" -name emotion0.h5 | wc -l)
[ "$groups" = 12 ] || fail "$groups GAN groups ran, not 12"
header=$(head -n 1 "$WORK/study/summary.csv")
[[ $header == protocol,setting,lambda_cls,ser.real.epochs,uar_mean,* ]] ||
  fail "summary.csv has no ser.real.epochs column: $header"
[ "$(grep -c '^within,real,,' "$WORK/study/summary.csv")" = 2 ] || fail "not one real row per epochs"
"$EMOAUG" report "$WORK/study" >/dev/null 2>&1 || fail "report failed"
for section in "## The study" "## Points against the reference" "## Within each point: against real"; do
  grep -q "$section" "$WORK/study/report.md" || fail "report.md lacks '$section'"
done
[ "$(wc -l <"$WORK/study/points.tsv")" = 5 ] || fail "points.tsv is not a header and 4 points"
[ -f "$WORK/study/points/3.toml" ] || fail "no points/3.toml"
# Tasks that read no swept key but λcls are the plain run's tasks (same names, same random
# streams): the same numbers. (A task that reads a swept key has the value in its name, so its
# streams are its own.)
for s in syn real+syn; do
  grep "^within,$s,2,," "$WORK/study/summary.csv" | cut -d, -f5-7 >"$WORK/a"
  grep "^within,$s,2," "$WORK/plain/summary.csv" | cut -d, -f4-6 >"$WORK/b"
  cmp "$WORK/a" "$WORK/b" || fail "the study's $s row at λcls 2 differs from the plain run's"
done
# emoaug plan: the points, what each shares, each one's cost.
"$EMOAUG" plan "$SRC/configs/demo.toml" "${QUICK[@]}" -s "experiment.output=$WORK/planned" \
  --sweep ser.real.epochs=10,20 --sweep gan.lambda_cls=0,2 >"$WORK/plan.txt" 2>&1 ||
  fail "plan failed: $(cat "$WORK/plan.txt")"
grep -q "^Study: 4 points, 12 GAN groups and [0-9]* SER tasks in all" "$WORK/plan.txt" ||
  fail "plan does not list the study: $(cat "$WORK/plan.txt")"
grep -q "gan.lambda_cls=2, ser.real.epochs=20$" "$WORK/plan.txt" || fail "plan does not show point 3"
# Points that are one config: refused, both named, nothing written.
"$EMOAUG" run "$SRC/configs/demo.toml" "${QUICK[@]}" -s "experiment.output=$WORK/same" \
  --sweep gan.epochs=3,3 --sweep gan.pretrain.epochs=1,1 --sweep-zip gan.epochs,gan.pretrain.epochs \
  >"$WORK/same.log" 2>&1 && fail "a collapsing sweep ran"
grep -q "are one config" "$WORK/same.log" || fail "no 'are one config': $(cat "$WORK/same.log")"
[ -e "$WORK/same" ] && fail "a refused sweep left $WORK/same"
echo "1 passed, 0 failed"
