#!/usr/bin/env bash
# A partly labeled 47-d target, as IEMOCAP is whole (four classes, five sessions, utterances of
# other emotions kept as -1 by `import --keep-unmapped`, and a sixth session with no labeled rows),
# runs through the GAN stage and SER with only config changes: once with a separate source file,
# once with data.source = "target:unlabeled". gan.stats_features is left automatic on features
# that are not emobase2010's. Each fold's CycleGANs transfer the unlabeled rows of the other
# sessions only (one synthetic row per source row shows how many they saw).
source "$(dirname "$0")/common.sh"

# openSMILE-style CSV: session s has 46 + 7s utterances cycling through ang hap exc neu sad fru xxx
# (fru and xxx map to no class), session 6 holds 12 xxx ones; the classes and sessions shift
# some features, each feature has its own units.
awk -v dims=47 'BEGIN {
  srand(7)
  n = split("ang hap exc neu sad fru xxx", lab, " ")
  cls["ang"] = 0; cls["hap"] = 1; cls["exc"] = 1; cls["neu"] = 2; cls["sad"] = 3
  printf "name"
  for (j = 0; j < dims; j++) printf ";f%04d", j
  print ";class"
  for (s = 1; s <= 6; s++) {
    rows = s < 6 ? 46 + 7 * s : 12
    for (i = 0; i < rows; i++) {
      l = s < 6 ? lab[1 + i % n] : "xxx"
      printf "Ses0%d_u%03d", s, i
      for (j = 0; j < dims; j++) {
        x = rand() + rand() + rand() - 1.5 + (j % 3 == 0) * 0.3 * s
        if ((l in cls) && j % 4 == cls[l]) x += 0.5
        printf ";%.5f", x * (1 + j % 5)
      }
      print ";" l
    }
  }
}' >"$WORK/all.csv"
"$EMOAUG" import csv "$WORK/all.csv" --group-regex '^Ses0(\d)' --group-kind session \
  --feature-set egemaps-like --class angry=ang --class happy=hap,exc --class neutral=neu \
  --class sad=sad --keep-unmapped -o "$WORK/target.h5" >"$WORK/import.log" 2>&1 ||
  { cat "$WORK/import.log"; fail "import --keep-unmapped failed"; }
"$EMOAUG" synth --dims 47 -o "$WORK/d47" >/dev/null || fail "synth --dims 47 failed"

# Unlabeled rows in all, and per session.
unlabeled() { awk -F';' -v s="${1:-}" 'NR > 1 && ($NF == "fru" || $NF == "xxx") &&
  (s == "" || $1 ~ "^Ses0" s "_") { n++ } END { print n + 0 }' "$WORK/all.csv"; }
total=$(unlabeled)
rows=$(($(wc -l <"$WORK/all.csv") - 1))

PARTIAL=(-s "data.target=$WORK/target.h5" -s ser.cross_corpus=false -s gan.lambda_cls=[2]
         -s gan.stats_features=[] -s gan.generate_per_class=0 -s experiment.log_level=info)
# The in-domain source on two ranks: the log says what was set aside once, not once per rank.
for source in file target:unlabeled; do
  out=$WORK/run-${source%%:*}
  np=2
  [ "$source" = file ] && source=$WORK/d47/source.h5 np=1
  rc=$(run $np "$out" "${PARTIAL[@]}" -s "data.source=$source")
  [ "$rc" = 0 ] || { cat "$out.log"; fail "the run with data.source = $source exited $rc"; }
  [ -s "$out/summary.csv" ] || fail "no summary.csv with data.source = $source"
  said=$(grep -c "$total of $rows rows are in no class (label -1) and set aside" "$out.log")
  [ "$said" = 1 ] || { cat "$out.log"; fail "the log names the $total set-aside rows $said times"; }
  grep -q "group(s) 6 have no labeled rows and make no fold" "$out.log" ||
    fail "the log does not name session 6 as making no fold"
  grep -q "Fig. 2 shows the 12 of largest variance over its labeled rows: f0" "$out.log" ||
    fail "the log does not name the automatic stats features"
done

# Fold k holds out session k + 1: its CycleGANs saw the other sessions' unlabeled rows.
out=$WORK/run-target
grep -q "the CycleGANs' source the set-aside ones" "$out.log" || fail "the log hides the source"
for k in 0 1 2 3 4; do
  want=$((total - $(unlabeled $((k + 1)))))
  got=$("$EMOAUG" inspect "$out/tasks/gan/lcls=2/fold=$k/emotion0.h5" --group synthetic |
    awk '$1 == "rows:" { print $2 }')
  [ "$got" = "$want" ] || fail "fold $k transferred $got source rows, expected $want"
done
echo "1 passed, 0 failed"
