# Sourced by the check_*.sh scripts: arguments, a scratch folder with `emoaug synth` data, and a
# quick version of configs/demo.toml.
set -uo pipefail
EMOAUG=$1
COMPARE=$2
MPIRUN=$3
SRC=$4
command -v "$MPIRUN" >/dev/null || { echo "skipped: no mpirun"; exit 77; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$EMOAUG" synth -o "$WORK/data" >/dev/null || exit 1
QUICK=(-s "data.target=$WORK/data/target.h5" -s "data.source=$WORK/data/source.h5"
       -s "data.cross=$WORK/data/cross.h5" -s gan.epochs=10 -s gan.pretrain.epochs=5
       -s ser.repetitions=1 -s gan.checkpoint_every=2 -s experiment.log_level=quiet)

# run NP OUTPUT [more emoaug run arguments]: the demo on NP ranks into OUTPUT; prints the exit code.
run() {
  local np=$1 out=$2
  shift 2
  timeout 240 "$MPIRUN" --oversubscribe -np "$np" "$EMOAUG" run "$SRC/configs/demo.toml" \
    "${QUICK[@]}" -s "experiment.output=$out" --no-report "$@" >"$out.log" 2>&1
  echo $?
}

# wait_for_training OUTPUT: returns once a GAN task of the run has started (its folder exists), so
# that a signal sent next finds the handlers installed and training under way.
wait_for_training() {
  for _ in $(seq 1 240); do
    [ -d "$1/tasks/gan" ] && { sleep 1; return 0; }
    sleep 0.5
  done
  fail "the run in $1 did not start training"
}

fail() {
  echo "FAILED: $*"
  exit 1
}
