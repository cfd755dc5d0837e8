#!/usr/bin/env bash
# Set up, build and run the whole test suite (ctest). Tests that need ../shared/data, a GPU or a
# local SLURM report themselves as skipped where those are absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
(cd "$BUILD_DIR" && ctest --output-on-failure -j "${JOBS:-2}" --timeout 900 "$@")
