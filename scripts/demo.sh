#!/usr/bin/env bash
# Set up, build, and run the whole pipeline on embedded synthetic data (about two minutes on 2
# cores): emoaug synth makes a labeled target, an unlabeled source and a cross-corpus set; emoaug
# run trains the CycleGANs for two λcls, the SER classifiers, and writes runs/demo/report.md.
#   scripts/demo.sh                 one process
#   RANKS=2 scripts/demo.sh         the same run on 2 MPI ranks (same numbers)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build/emoaug synth -o runs/demo-data
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
if [ "${RANKS:-1}" -gt 1 ]; then
  mpirun --oversubscribe -np "$RANKS" build/emoaug run configs/demo.toml "$@"
else
  build/emoaug run configs/demo.toml "$@"
fi
echo "report: runs/demo/report.md"
