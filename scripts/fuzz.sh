#!/usr/bin/env bash
# Builds the importers and their tests with AddressSanitizer + UBSan in build-asan/ and runs the fuzz
# tests (ctest label "fuzz") and the import and corpus I/O tests there. Any sanitizer report fails.
#   scripts/fuzz.sh            # from anywhere; JOBS=N sets the build parallelism (default 2)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build-asan"
JOBS="${JOBS:-2}"

GENERATOR=()
if command -v ninja >/dev/null 2>&1; then GENERATOR=(-G Ninja); fi
cmake -S "$ROOT" -B "$BUILD" "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEMOAUG_SANITIZE=ON -DEMOAUG_BENCH=OFF -DEMOAUG_CUDA=OFF >/dev/null
# Only what the tests below need: the executable (the CLI tests run it) and the two test binaries.
cmake --build "$BUILD" --parallel "$JOBS" --target emoaug emoaug_tests emoaug_fuzz_tests

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$BUILD"
ctest --output-on-failure -L fuzz
ctest --output-on-failure -R '^(Import|CorpusIo|H5)'
echo "fuzz.sh: the fuzz, import and corpus I/O tests pass under ASan and UBSan"
