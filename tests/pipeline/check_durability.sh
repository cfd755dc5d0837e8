#!/usr/bin/env bash
# What the run directory guarantees (docs/run-directory.md), on a small run:
#  1. every write point of the run failing in turn (EMOAUG_FAULT: disk full, I/O error, kill -9):
#     one clear line and its exit code, no file that fails to read, and after rerunning the same
#     command the numbers of an uninterrupted run;
#  2. bytes flipped in the newest checkpoint: the resume falls back to the set before it;
#  3. results.h5 cut short: `emoaug report` says so, `emoaug aggregate` rebuilds it;
#  4. two `emoaug run` of one config into one folder at once: each task runs once, same numbers;
#  5. a finished run holds no checkpoints.
source "$(dirname "$0")/common.sh"
PY=/usr/bin/python3
"$EMOAUG" synth -o "$WORK/small" --dims 16 --classes 2 --sessions 2 --rows 240 --source-rows 160 \
  --cross-rows 80 >/dev/null || exit 1
SMALL=(-s "data.target=$WORK/small/target.h5" -s "data.source=$WORK/small/source.h5"
       -s "data.cross=$WORK/small/cross.h5" -s 'gan.lambda_cls=[2.0]' -s 'ser.settings=["real","syn"]'
       -s ser.cross_corpus=false -s ser.repetitions=1 -s gan.pretrain.epochs=2 -s gan.epochs=4
       -s gan.checkpoint_every=3 -s 'gan.generator_hidden=[16,8,16]'
       -s experiment.log_level=quiet -s experiment.threads=1)

# small OUTPUT [more arguments]: the small run as one process (no mpirun: a world of one rank).
small() {
  local out=$1
  shift
  timeout 120 "$EMOAUG" run "$SRC/configs/demo.toml" "${SMALL[@]}" -s "experiment.output=$out" \
    --no-report "$@" >"$out.out" 2>"$out.err"
  echo $?
}

# Every HDF5 file of a run directory opens and every dataset reads (h5py), when h5py is there.
readable() {
  [ -x "$PY" ] && "$PY" -c "import h5py" 2>/dev/null || return 0
  "$PY" - "$1" <<'EOF' || fail "a file of $1 does not read"
import os, sys, h5py
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith(".h5") and not name.startswith("."):
            path = os.path.join(root, name)
            with h5py.File(path, "r") as f:
                f.visititems(lambda _, obj: obj[()] if isinstance(obj, h5py.Dataset) else None)
EOF
}

rc=$(small "$WORK/reference")
[ "$rc" = 0 ] || { cat "$WORK/reference.err"; fail "reference run exited $rc"; }
left=$(find "$WORK/reference" -path '*checkpoint*' -name '*.h5' | wc -l)
[ "$left" = 0 ] || fail "a finished run keeps $left checkpoint files"

# 1. The fault sweep, until N passes the last write of the run.
points=0
for mode in ${FAULT_MODES-enospc eio kill}; do
  n=1
  while :; do
    out="$WORK/$mode-$n"
    rc=$(EMOAUG_FAULT="$mode@$n" small "$out")
    [ "$rc" = 0 ] && break  # no write number n: the sweep is through
    case $mode in
      enospc) want=74 line='^emoaug run: out of space: .*free space or move experiment.output, then rerun the same command$' ;;
      eio) want=1 line='^emoaug run: error: .*Input/output error' ;;
      kill) want=137 line='' ;;
    esac
    [ "$rc" = "$want" ] || { cat "$out.err"; fail "$mode@$n exited $rc, not $want"; }
    if [ -n "$line" ]; then
      [ "$(wc -l <"$out.err")" = 1 ] || { cat "$out.err"; fail "$mode@$n: not one line"; }
      grep -qE "$line" "$out.err" || { cat "$out.err"; fail "$mode@$n: unclear error"; }
    fi
    if grep -qE 'MPI_ABORT|ORTE|HDF5-DIAG|actually written' "$out.err"; then
      cat "$out.err"; fail "$mode@$n: library internals on stderr"
    fi
    readable "$out"
    rc=$(small "$out")
    [ "$rc" = 0 ] || { cat "$out.err"; fail "rerun after $mode@$n exited $rc"; }
    "$COMPARE" "$WORK/reference" "$out" >/dev/null || fail "rerun after $mode@$n differs"
    cmp -s "$WORK/reference/summary.csv" "$out/summary.csv" || fail "summary.csv after $mode@$n"
    [ -z "$(find "$out" -name '.*.tmp')" ] || fail "temporary files left after $mode@$n"
    rm -rf "$out"
    points=$((points + 1))
    n=$((n + 1))
  done
  echo "$mode: $((n - 1)) write points failed and recovered"
done

# 2. A damaged newest checkpoint. Checkpoints every epoch, two sets kept: writes 1-2 are
# config.toml and plan.txt, 3-4 the first group's set after epoch 1, 5-6 after epoch 2; killed at
# the next, the newest set is damaged, and the rerun resumes from the set before it.
out="$WORK/damaged"
EVERY=(-s gan.checkpoint_every=1 -s gan.keep_checkpoints=2)
rc=$(EMOAUG_FAULT=kill@7 small "$out" "${EVERY[@]}")
[ "$rc" = 137 ] || fail "the kill for the damaged-checkpoint check did not happen ($rc)"
newest=$(ls "$out"/tasks/gan/*/fold=*/checkpoint/emotion1.epoch2.h5)
[ -f "$newest" ] || fail "no checkpoint after epoch 2 to damage"
size=$(stat -c %s "$newest")
printf '\xff\xff\xff\xff\xff\xff\xff\xff' | dd of="$newest" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
rc=$(small "$out" "${EVERY[@]}" -s experiment.log_level=info)
[ "$rc" = 0 ] || { cat "$out.err"; fail "rerun with a damaged checkpoint exited $rc"; }
grep -q "skipping the checkpoint after epoch 2: .*emotion1.epoch2.h5" "$out.err" ||
  { cat "$out.err"; fail "the damaged checkpoint was not reported"; }
grep -q "resuming after epoch 1 of 6" "$out.err" || fail "the resume did not fall back to epoch 1"
[ -f "$(dirname "$(dirname "$newest")")/rejected/emotion1.epoch2.h5" ] ||
  fail "the damaged file was not moved aside"
"$COMPARE" "$WORK/reference" "$out" >/dev/null || fail "resume past a damaged checkpoint differs"

# 3. results.h5 cut short.
cp -r "$WORK/reference" "$WORK/cut"
truncate -s 2000 "$WORK/cut/results.h5"
"$EMOAUG" report "$WORK/cut" >"$WORK/cut.out" 2>"$WORK/cut.err" && fail "report read a cut results.h5"
grep -q "emoaug aggregate .*rebuilds results.h5" "$WORK/cut.err" || { cat "$WORK/cut.err"; fail "report did not say how to rebuild"; }
"$EMOAUG" aggregate "$WORK/cut" >/dev/null 2>&1 || fail "aggregate did not rebuild results.h5"
"$COMPARE" "$WORK/reference" "$WORK/cut" >/dev/null || fail "the rebuilt results.h5 differs"
"$EMOAUG" report "$WORK/cut" >/dev/null 2>&1 || fail "report on the rebuilt results.h5 failed"
if /usr/bin/python3 -c 'import matplotlib, h5py' 2>/dev/null; then
  for fig in fig2_feature_stats fig3_confusion uar_vs_lambda; do
    [ -s "$WORK/cut/$fig.png" ] || fail "report drew no $fig.png"
  done
fi
[ -z "$(find "$WORK/cut" -name '.*.tmp')" ] || fail "report left temporary files"

# 4. Two runs of one config into one folder at once.
QUICK_INFO=("${QUICK[@]}" -s experiment.log_level=info -s experiment.threads=1)
both() {
  timeout 240 "$EMOAUG" run "$SRC/configs/demo.toml" "${QUICK_INFO[@]}" \
    -s "experiment.output=$WORK/twice" --no-report >"$WORK/twice.$1" 2>&1
}
rc=$(run 1 "$WORK/once")
[ "$rc" = 0 ] || { cat "$WORK/once.log"; fail "single run exited $rc"; }
both a & a=$!
both b & b=$!
wait $a || { cat "$WORK/twice.a"; fail "the first of two runs failed"; }
wait $b || { cat "$WORK/twice.b"; fail "the second of two runs failed"; }
"$COMPARE" "$WORK/once" "$WORK/twice" >/dev/null || fail "two runs at once differ from one"
grep -hq "waiting, .* runs it" "$WORK/twice.a" "$WORK/twice.b" || fail "neither run waited for the other"
for t in $(cd "$WORK/twice/tasks" && find ser -name '*.h5'); do
  trained=$(grep -hF "] ${t%.h5}: UAR" "$WORK/twice.a" "$WORK/twice.b" | wc -l)
  [ "$trained" = 1 ] || fail "$t ran $trained times"
done

echo "fault sweep: $points write points; damaged checkpoint, cut results.h5, two runs at once: ok"
echo "1 passed, 0 failed"
