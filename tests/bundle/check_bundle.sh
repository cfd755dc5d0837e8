#!/usr/bin/env bash
# Checks the portable bundle on a machine without a GPU (called from .ci/run; not a ctest test):
# scripts/bundle.sh into a scratch folder, the archive's size, and, unpacked into an empty folder
# and run with nothing but PATH=/usr/bin:/bin and HOME in the environment:
#   - bin/emoaug info, a short CPU demo (emoaug synth, emoaug run configs/demo.toml with tiny epochs
#     and the report), and the same run under bin/mpirun -np 2, with the same numbers; bin/emoaug
#     submit --dry-run writes sbatch scripts that call bin/emoaug;
#   - bin/mpirun -np 2 bin/emoaug_mpi_tests (the MPI unit tests), traced with strace where it can
#     run: no library, Open MPI plugin or help text is opened from this machine's install;
#   - gpu-check.sh without a GPU (tests/bundle/check_gpu_check.sh: its files, budgets and time, and
#     a hidden CUDA toolkit reported as a loader failure, not as a missing GPU);
#   - BUILDINFO's glibc_required is there and no newer than this machine's glibc;
#   - no packed file lists a CUDA library as NEEDED (the binaries link the CUDA runtime statically
#     and open cuBLAS and NCCL at run time); BUNDLE_EXPECT_NO_CUDA_NEEDED=0 only lists them;
#   - ldd under the wrappers' LD_LIBRARY_PATH: every library of every bundled binary and plugin
#     resolves into the bundle, the CUDA toolkit's library folder, or glibc;
#   - tests/bundle/check_loader.sh on the unpacked bin/emoaug: with every CUDA library hidden it
#     starts, runs a CPU demo and refuses backend = "cuda" in one line; with cuBLAS and NCCL in a
#     wheel-shaped Python environment on PATH it finds and names them.
#   tests/bundle/check_bundle.sh            BUILD_DIR (default build-bundle) is scripts/bundle.sh's
#   KEEP=1 tests/bundle/check_bundle.sh     keeps the scratch folder and says where
#   BUNDLE_EXPECT_NO_CUDA_NEEDED=0          lists the CUDA libraries packed files NEED instead of
#                                           failing on them (for a build of an older commit)
# Exit status 0 when every check passes, 1 naming the first that failed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd -P)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/emoaug-bundle-check.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
  trap 'echo "check_bundle: scratch folder kept: $WORK"' EXIT
else
  trap 'rm -rf "$WORK"' EXIT
fi
MAX_MIB=48
# A NEEDED CUDA library creeping back would make every binary fail to start on a node without it.
EXPECT_NO_CUDA_NEEDED=${BUNDLE_EXPECT_NO_CUDA_NEEDED:-1}

fail() { echo "check_bundle: FAILED: $*" >&2; exit 1; }
pass() { echo "check_bundle: ok: $*"; }
show() { echo "--- $1 (last 30 lines)" >&2; tail -30 "$1" >&2; }

# ---- build the archive -----------------------------------------------------------------------------
t0=$(date +%s)
"$ROOT/scripts/bundle.sh" "$WORK/out" >"$WORK/bundle.log" 2>&1 || { show "$WORK/bundle.log"; fail "scripts/bundle.sh"; }
t1=$(date +%s)
echo "check_bundle: scripts/bundle.sh took $((t1 - t0)) s"
grep '^bundle: ' "$WORK/bundle.log" | tail -4
shopt -s nullglob
archives=("$WORK"/out/emoaug-*-x86_64.tar.gz)
shopt -u nullglob
[ ${#archives[@]} -eq 1 ] || fail "expected one emoaug-*-x86_64.tar.gz in $WORK/out, found ${#archives[@]}"
archive=${archives[0]}
name=$(basename "$archive" .tar.gz)
version=$(sed -n 's/^project(emoaug VERSION \([0-9][0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
[[ $name =~ ^emoaug-${version//./\\.}-([0-9a-f]{12}(-dirty)?|unknown)-x86_64$ ]] ||
  fail "archive name $name is not emoaug-$version-<git sha>-x86_64"
size=$(stat -c %s "$archive")
[ "$size" -le $((MAX_MIB * 1024 * 1024)) ] || fail "archive is $size bytes, over $MAX_MIB MiB"
pass "$name.tar.gz is $(awk -v s="$size" 'BEGIN {printf "%.1f", s / 1048576}') MiB (limit $MAX_MIB)"

# ---- unpack somewhere else -------------------------------------------------------------------------
mkdir -p "$WORK/elsewhere" "$WORK/home"
t0=$(date +%s.%N)
tar -C "$WORK/elsewhere" -xzf "$archive"
# gpu-check.sh's 8 minutes count from unpacking: its default budget leaves 10 s for this.
echo "check_bundle: unpacked in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"
[ "$(ls -A "$WORK/elsewhere")" = "$name" ] || fail "the archive does not hold exactly one folder $name"
U=$WORK/elsewhere/$name
for f in README.txt BUILDINFO gpu-check.sh bin/emoaug bin/mpirun bin/orted bin/emoaug_tests \
    bin/emoaug_mpi_tests bin/emoaug_compare_runs bin/bench_cuda_step bin/bench_cpu_step \
    bin/bench_gemm_shapes bin/bench_ser_real bin/bench_mlp_step configs/demo.toml configs/paper.toml \
    bench/pytorch_cyclegan_step.py bench/pytorch_ser_real.py scripts/plot_report.py \
    tests/reference/reference.h5 lib/MANIFEST.tsv etc/openmpi-mca-params.conf; do
  [ -e "$U/$f" ] || fail "$f is not in the bundle"
done
pass "layout (bin/, libexec/, lib/, configs/, bench/, scripts/, README.txt, gpu-check.sh)"
# ---- starting with no CUDA library, and finding them in a Python environment ------------------------
rc=0
"$ROOT/tests/bundle/check_loader.sh" "$U/bin/emoaug" "$U/configs/demo.toml" >"$WORK/loader.log" 2>&1 || rc=$?
case $rc in
  0) pass "the bundle without CUDA libraries and with them in a Python environment:"; sed 's/^/    /' "$WORK/loader.log" ;;
  77) pass "the loader check skipped: $(tail -n 1 "$WORK/loader.log")" ;;
  *) show "$WORK/loader.log"; fail "tests/bundle/check_loader.sh on the unpacked bundle (exit $rc)" ;;
esac

# ---- the glibc it needs, measured by bundle.sh -------------------------------------------------------
glibc_required=$(sed -n 's/^glibc_required //p' "$U/BUILDINFO")
[[ $glibc_required =~ ^2\.[0-9]+(\.[0-9]+)?$ ]] || fail "BUILDINFO has no glibc_required x.y line (got '$glibc_required')"
glibc_here=$(getconf GNU_LIBC_VERSION)
glibc_here=${glibc_here#glibc }
[ "$(printf '%s\n%s\n' "$glibc_required" "$glibc_here" | sort -V | tail -1)" = "$glibc_here" ] ||
  fail "the bundle needs glibc $glibc_required, newer than this machine's $glibc_here"
grep -F "glibc $glibc_required or newer" "$U/README.txt" >/dev/null || fail "README.txt does not state glibc $glibc_required"
pass "needs glibc $glibc_required (by $(sed -n 's/^glibc_required_by //p' "$U/BUILDINFO")), this machine has $glibc_here"

# ---- CUDA libraries needed at load time --------------------------------------------------------------
cuda_needed=()
while IFS= read -r -d '' f; do
  [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = 177ELF ] || continue
  while read -r soname; do
    case $soname in
      libcudart.so* | libcublas.so* | libcublasLt.so* | libnccl.so* | libcuda.so* | libnvidia-*.so* | \
        libcufft*.so* | libcurand.so* | libcusolver*.so* | libcusparse*.so* | libnvJitLink.so* | libnvrtc*.so*)
        cuda_needed+=("${f#"$U"/}: $soname") ;;
    esac
  done < <(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
done < <(find "$U/libexec" "$U/lib" -type f -print0)
if [ ${#cuda_needed[@]} -eq 0 ]; then
  pass "no packed file lists a CUDA library as NEEDED (the CUDA libraries are loaded at run time)"
elif [ "$EXPECT_NO_CUDA_NEEDED" = 1 ]; then
  fail "BUNDLE_EXPECT_NO_CUDA_NEEDED=1, but CUDA libraries are NEEDED: ${cuda_needed[*]}"
else
  pass "CUDA libraries NEEDED at load (allowed while BUNDLE_EXPECT_NO_CUDA_NEEDED=0): $(printf '%s\n' "${cuda_needed[@]}" | sed 's/.*: //' | sort | uniq -c | awk '{printf "%s (%d files) ", $2, $1}')"
fi
[ "$(sed -n 's/^cuda_needed_at_load //p' "$U/BUILDINFO")" != "" ] || fail "BUILDINFO has no cuda_needed_at_load line"

# Only what a bare node has: no LD_LIBRARY_PATH, no CUDA_HOME, no module environment.
E=(env -i PATH=/usr/bin:/bin HOME="$WORK/home" OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)

# ---- emoaug info -------------------------------------------------------------------------------------
(cd "$WORK/home" && "${E[@]}" "$U/bin/emoaug" info) >"$WORK/info.log" 2>&1 || { show "$WORK/info.log"; fail "bin/emoaug info"; }
grep -q "^emoaug $version " "$WORK/info.log" || { show "$WORK/info.log"; fail "bin/emoaug info names no version $version"; }
grep -q '^cuda backend: built' "$WORK/info.log" || { show "$WORK/info.log"; fail "bin/emoaug info: the CUDA backend is not built in"; }
pass "bin/emoaug info: $(head -1 "$WORK/info.log"); $(grep '^cuda backend' "$WORK/info.log")"

# ---- a short CPU demo, on 1 and on 2 ranks ---------------------------------------------------------
"${E[@]}" "$U/bin/emoaug" synth -o "$WORK/data" >"$WORK/synth.log" 2>&1 || { show "$WORK/synth.log"; fail "bin/emoaug synth"; }
QUICK=(-s "data.target=$WORK/data/target.h5" -s "data.source=$WORK/data/source.h5"
       -s "data.cross=$WORK/data/cross.h5" -s gan.epochs=10 -s gan.pretrain.epochs=5
       -s ser.repetitions=1 -s experiment.backend=cpu)
t0=$(date +%s)
(cd "$WORK/home" && timeout 300 "${E[@]}" "$U/bin/emoaug" run "$U/configs/demo.toml" "${QUICK[@]}" \
  -s "experiment.output=$WORK/np1") >"$WORK/np1.log" 2>&1 || { show "$WORK/np1.log"; fail "bin/emoaug run (CPU demo)"; }
[ -s "$WORK/np1/summary.csv" ] && [ -s "$WORK/np1/report.md" ] || fail "the CPU demo wrote no summary.csv or report.md"
figures="figures drawn"
if grep -q '^Not drawn' "$WORK/np1/report.md"; then
  # The figures need python3 with matplotlib and h5py, which the bundle does not carry.
  figures="figures not drawn: $(grep -m1 '^Not drawn' "$WORK/np1/report.md")"
fi
pass "CPU demo on 1 rank in $(($(date +%s) - t0)) s ($figures)"

t0=$(date +%s)
(cd "$WORK/home" && timeout 300 "${E[@]}" "$U/bin/mpirun" --oversubscribe -np 2 "$U/bin/emoaug" run \
  "$U/configs/demo.toml" "${QUICK[@]}" -s "experiment.output=$WORK/np2" --no-report) >"$WORK/np2.log" 2>&1 ||
  { show "$WORK/np2.log"; fail "bin/mpirun -np 2 bin/emoaug run"; }
grep -q 'on 2 rank(s)' "$WORK/np2.log" || { show "$WORK/np2.log"; fail "the mpirun demo did not run on 2 ranks"; }
"${E[@]}" "$U/bin/emoaug_compare_runs" "$WORK/np1" "$WORK/np2" >"$WORK/compare.log" 2>&1 ||
  { show "$WORK/compare.log"; fail "the demo on 1 and 2 ranks differ"; }
pass "CPU demo under bin/mpirun -np 2 in $(($(date +%s) - t0)) s, the same numbers as on 1 rank"

# SLURM jobs written from the bundle go through its wrapper, which puts the bundle's libraries on
# their path (libexec/emoaug alone would find none of them on a compute node).
(cd "$WORK/home" && "${E[@]}" "$U/bin/emoaug" submit "$U/jobs/demo.toml" --dry-run "${QUICK[@]}" \
  -s "experiment.output=$WORK/submitted") >"$WORK/submit.log" 2>&1 ||
  { show "$WORK/submit.log"; fail "bin/emoaug submit --dry-run"; }
grep -qxF "EMOAUG=$U/bin/emoaug" "$WORK/submit.log" ||
  { show "$WORK/submit.log"; fail "the sbatch scripts do not call bin/emoaug"; }
pass "bin/emoaug submit --dry-run: the sbatch scripts call bin/emoaug"

# The library path the wrappers set, from the wrappers' own environment script.
LIBPATH=$("${E[@]}" sh -c 'EMOAUG_BUNDLE=$1; . "$1/libexec/bundle-env.sh"; printf %s "$LD_LIBRARY_PATH"' _ "$U")
CUDA_LIB=$("${E[@]}" sh -c 'EMOAUG_BUNDLE=$1; . "$1/libexec/bundle-env.sh"; printf %s "$EMOAUG_BUNDLE_CUDA_LIB"' _ "$U")
# The toolkit is needed to start only while a binary links it; it is installed here either way.
[ -n "$CUDA_LIB" ] || [ ${#cuda_needed[@]} -eq 0 ] ||
  fail "the wrappers found no CUDA 13 toolkit (libcublas.so.13 or libcudart.so.13) on this machine"
CUDA_REAL=$([ -n "$CUDA_LIB" ] && readlink -f "$CUDA_LIB" || echo /nonexistent-cuda-toolkit)

# ---- Open MPI from the bundle only -----------------------------------------------------------------
"${E[@]}" "$U/bin/ompi_info" --parsable --path pkglibdir >"$WORK/ompi_info.log" 2>&1 || { show "$WORK/ompi_info.log"; fail "bin/ompi_info"; }
grep -q "^path:pkglibdir:$U/" "$WORK/ompi_info.log" || { show "$WORK/ompi_info.log"; fail "Open MPI's plugin folder is not in the bundle"; }
MPI_TEST=("$U/bin/mpirun" --oversubscribe -np 2 "$U/bin/emoaug_mpi_tests")
if command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null; then
  # -ff: one file per process, so that no call is split across lines of other processes.
  mkdir -p "$WORK/strace"
  (cd "$WORK/home" && timeout 180 "${E[@]}" "$(command -v strace)" -f -ff -e trace=open,openat,execve \
    -o "$WORK/strace/trace" "${MPI_TEST[@]}") >"$WORK/mpi_tests.log" 2>&1 ||
    { show "$WORK/mpi_tests.log"; fail "bin/mpirun -np 2 bin/emoaug_mpi_tests"; }
  # Files of the machine's install (/usr, /lib, /etc, /opt) opened successfully that are shared
  # objects or belong to Open MPI, PMIx or hwloc, other than glibc's and the CUDA toolkit's (which
  # are not loaded without a GPU anyway).
  foreign=$(cat "$WORK"/strace/trace.* | grep -E '^(open|openat)\(' | grep -v '= -1 ' |
    sed -n 's/^[^"]*"\([^"]*\)".*/\1/p' | grep -E '^/(usr|lib|lib64|etc|opt)/' |
    grep -E '\.so[.0-9]*$|openmpi|pmix|hwloc|mca-params' | sort -u |
    grep -v -e '/libc\.so' -e '/libm\.so' -e '/libdl\.so' -e '/libpthread\.so' -e '/librt\.so' \
      -e '/libresolv\.so' -e '/libutil\.so' -e '/libnss_' -e '/ld-linux' \
      -e "^$CUDA_REAL/" -e '^/usr/local/cuda' || true)
  [ -z "$foreign" ] || fail "opened outside the bundle: $(echo "$foreign" | tr '\n' ' ')"
  pass "bin/mpirun -np 2 bin/emoaug_mpi_tests: passed, opening no library, plugin or help text outside the bundle (strace)"
else
  (cd "$WORK/home" && timeout 180 "${E[@]}" "${MPI_TEST[@]}") >"$WORK/mpi_tests.log" 2>&1 ||
    { show "$WORK/mpi_tests.log"; fail "bin/mpirun -np 2 bin/emoaug_mpi_tests"; }
  pass "bin/mpirun -np 2 bin/emoaug_mpi_tests: passed (strace cannot run here: opens not traced)"
fi

# ---- gpu-check.sh without a GPU: its files, budgets and time; a hidden toolkit is a loader failure ----
t0=$(date +%s)
"$ROOT/tests/bundle/check_gpu_check.sh" "$U" >"$WORK/check_gpu_check.log" 2>&1 ||
  { show "$WORK/check_gpu_check.log"; fail "tests/bundle/check_gpu_check.sh"; }
grep '^check_gpu_check: ' "$WORK/check_gpu_check.log"
pass "gpu-check.sh checks in $(($(date +%s) - t0)) s"

# ---- ldd: every library resolves into the bundle, the CUDA toolkit, or glibc ------------------------
glibc() {
  case $1 in
    ld-linux*.so* | libc.so.* | libm.so.* | libdl.so.* | libpthread.so.* | librt.so.* | \
      libresolv.so.* | libutil.so.* | libanl.so.* | libmvec.so.* | libnss_*.so.*) return 0 ;;
  esac
  return 1
}
checked=0 bad=()
while IFS= read -r -d '' f; do
  [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = 177ELF ] || continue
  checked=$((checked + 1))
  while read -r soname arrow path _; do
    [ "$arrow" = "=>" ] || continue
    real=$(readlink -f "$path" 2>/dev/null || echo "$path")
    case $real in
      "$U"/*) continue ;;
      "$CUDA_REAL"/*) continue ;;
    esac
    if glibc "$soname" && case $real in /lib/* | /lib64/* | /usr/lib/* | /usr/lib64/*) true ;; *) false ;; esac; then
      continue
    fi
    bad+=("${f#"$U"/}: $soname => $path")
  done < <(env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH="$LIBPATH" ldd "$f" 2>&1)
done < <(find "$U/libexec" "$U/lib" -type f -print0)
[ ${#bad[@]} -eq 0 ] || fail "libraries resolved outside the bundle, the CUDA toolkit and glibc: ${bad[*]}"
pass "ldd: all libraries of $checked binaries, libraries and plugins resolve into the bundle, ${CUDA_LIB:-the CUDA toolkit} or glibc"

libs=$(grep -vc '^#' "$U/lib/MANIFEST.tsv")
echo "check_bundle: all checks passed ($libs libraries bundled; $(du -sh "$U" | cut -f1) unpacked)"
