#!/usr/bin/env bash
# Installs what emoaug needs (Debian packages, when run as root and something is missing), then
# configures and builds it into build/. Safe to rerun: it only does what is left to do.
#   scripts/setup.sh            Release build in build/
#   BUILD_DIR=... CMAKE_ARGS="-DEMOAUG_CUDA=OFF" scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake ninja-build pkg-config openmpi-bin libopenmpi-dev libhdf5-dev
          libtomlplusplus-dev libopenblas-dev libgtest-dev googletest)
# The report's figures: scripts/plot_report.py under /usr/bin/python3. Installed with the rest, but
# a build without them only lacks figures.
FIGURE_PACKAGES=(python3-matplotlib python3-h5py)
missing=() missing_figures=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
for p in "${FIGURE_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing_figures+=("$p")
done
if [ $((${#missing[@]} + ${#missing_figures[@]})) -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing ${missing[*]} ${missing_figures[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}" "${missing_figures[@]}"
  elif [ ${#missing[@]} -gt 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} ${missing_figures[*]} (run as root, or" \
      "install them)" >&2
    exit 1
  else
    echo "setup: without ${missing_figures[*]} reports have no figures (run as root, or install" \
      "them)" >&2
  fi
fi

BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja ${CMAKE_ARGS:-}
fi
cmake --build "$BUILD_DIR" -j "$JOBS"
