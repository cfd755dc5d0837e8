#!/usr/bin/env bash
# Builds the CUDA flavour of emoaug and packs it, with every shared library it needs that is neither
# glibc's nor the NVIDIA driver's nor the CUDA toolkit's, into a relocatable archive for clusters on
# which Debian packages cannot be installed (docs/cuda.md, "Portable bundle"):
#   scripts/bundle.sh OUTDIR      ->  OUTDIR/emoaug-<version>-<git sha>-x86_64.tar.gz (<= 48 MiB)
# Unpacked anywhere, bin/emoaug, bin/mpirun -np N bin/emoaug ... and gpu-check.sh run with no root
# and no network on any x86-64 Linux with the glibc the packed files need (measured here, written
# into BUILDINFO as glibc_required), the NVIDIA driver, and the CUDA 13 libraries of the node's
# toolkit (or its modules) that the binaries need (BUILDINFO: cuda_needed_at_load).
# A failing step says which step, line and command failed.
#
# Environment:
#   BUILD_DIR=build-bundle   the build folder (reused when it exists: an incremental build)
#   JOBS=2                   parallel compile jobs
#   CUDA_ARCHITECTURES=...   CMAKE_CUDA_ARCHITECTURES for a fresh build folder (default: the
#                            project's, sm_90 for H100/H200)
#   MAX_MIB=48               the archive's size limit
set -euo pipefail
# The step under way, for the one-line error of a command that fails in it. -E: the trap also
# fires in functions; only the main shell reports (a failing command substitution is reported
# once, by the line that used it; a process substitution's reader decides for itself).
set -E
STEP=arguments
on_err() {
  [ "$BASH_SUBSHELL" = 0 ] || return 0
  echo "bundle: error: step '$STEP' failed at scripts/bundle.sh line $2 (exit $1): $3" >&2
}
trap 'on_err $? $LINENO "$BASH_COMMAND"' ERR

usage() { echo "usage: scripts/bundle.sh OUTDIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
case $1 in -h | --help) usage ;; esac

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
mkdir -p "$1"
OUTDIR=$(cd "$1" && pwd -P)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bundle}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$ROOT/$BUILD_DIR ;; esac
JOBS=${JOBS:-2}
MAX_MIB=${MAX_MIB:-48}
NVCC=${CUDACXX:-/usr/local/cuda/bin/nvcc}
START=$(date +%s)

say() { echo "bundle: $*"; }
step() { STEP=$1; }
die() { echo "bundle: error: $*" >&2; exit 1; }

step checks
for tool in cmake ninja ldd tar gzip ompi_info readelf strip; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh installs the build tools)"
done
[ -x "$NVCC" ] || die "nvcc not found at $NVCC (set CUDACXX): the bundle is the CUDA build"
[ "$(uname -m)" = x86_64 ] || die "the bundle is built for x86-64, this machine is $(uname -m)"

VERSION=$(sed -n 's/^project(emoaug VERSION \([0-9][0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
[ -n "$VERSION" ] || die "no project version in CMakeLists.txt"
# The same sha the build writes into results (cmake/git_sha.cmake): -dirty when tracked files differ.
SHA=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ "$SHA" != unknown ] && ! git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null; then
  SHA=$SHA-dirty
fi
NAME=emoaug-$VERSION-$SHA-x86_64
ARCHIVE=$OUTDIR/$NAME.tar.gz

# ---- build ---------------------------------------------------------------------------------------
step configure
# The test binaries read their fixtures (tests/reference/reference.h5, ...) from the source folder
# compiled into them (EMOAUG_SOURCE_DIR). Configuring through a fixed path under /tmp, a link to this
# checkout, lets gpu-check.sh point that same path at the unpacked bundle on a node, which carries
# those files; /tmp is the one place every node lets a user create it. The name depends on this
# checkout's path only, so the build folder stays valid across commits.
SRC_LINK=/tmp/emoaug-bundle-src-$(printf %s "$ROOT" | md5sum | cut -c1-8)
if [ -e "$SRC_LINK" ] && [ ! -L "$SRC_LINK" ]; then
  die "$SRC_LINK exists and is not a link: remove it"
fi
ln -sfn "$ROOT" "$SRC_LINK"

if [ -f "$BUILD_DIR/CMakeCache.txt" ]; then
  home=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD_DIR/CMakeCache.txt")
  [ "$home" = "$SRC_LINK" ] ||
    die "$BUILD_DIR was configured from $home, not $SRC_LINK: remove it or set BUILD_DIR"
  grep -q '^EMOAUG_CUDA:STRING=ON$' "$BUILD_DIR/CMakeCache.txt" ||
    die "$BUILD_DIR is not a CUDA build: remove it or set BUILD_DIR"
else
  say "configuring $BUILD_DIR (CUDA, Release)"
  arch=()
  [ -n "${CUDA_ARCHITECTURES:-}" ] && arch=(-DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCHITECTURES")
  # No flags from the environment: a CXXFLAGS=-march=native would make the binaries this machine's
  # only (the CPU kernels pick AVX2/AVX-512 at run time through function attributes already).
  # No build RPATH: it would name this machine's library folders; the wrappers set the library path.
  # Without an RPATH the test binaries cannot start before the CUDA libraries are on the path, so
  # GoogleTest discovery waits for ctest instead of running them after the link.
  env -u CFLAGS -u CXXFLAGS -u CUDAFLAGS -u LDFLAGS -u CUDAARCHS \
    cmake -S "$SRC_LINK" -B "$BUILD_DIR" -G Ninja -DEMOAUG_CUDA=ON -DCMAKE_BUILD_TYPE=Release \
    -DEMOAUG_TESTS=ON -DEMOAUG_BENCH=ON -DEMOAUG_SANITIZE=OFF -DCMAKE_CUDA_COMPILER="$NVCC" \
    -DCMAKE_SKIP_BUILD_RPATH=ON -DCMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE=PRE_TEST "${arch[@]}" \
    >"$BUILD_DIR.configure.log" 2>&1 || { cat "$BUILD_DIR.configure.log" >&2; die "cmake failed"; }
  rm -f "$BUILD_DIR.configure.log"
fi
grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$BUILD_DIR/CMakeCache.txt" ||
  die "$BUILD_DIR is not a Release build"

TEST_BINARIES=(emoaug_tests emoaug_mpi_tests emoaug_compare_runs emoaug_farm_driver)
BENCHES=()
for src in "$ROOT"/bench/bench_*.cpp; do BENCHES+=("$(basename "$src" .cpp)"); done
step build
say "building emoaug, ${TEST_BINARIES[*]}, ${BENCHES[*]} (-j$JOBS)"
env -u CFLAGS -u CXXFLAGS -u CUDAFLAGS -u LDFLAGS \
  cmake --build "$BUILD_DIR" -j "$JOBS" --target emoaug "${TEST_BINARIES[@]}" "${BENCHES[@]}"
BUILT=$(date +%s)

# Portable CPU code: nothing may be compiled for this machine's CPU.
if grep -Eq -- '-march=native|-mtune=native|-mcpu=native|-xHost' "$BUILD_DIR/compile_commands.json"; then
  die "a native-CPU flag is in $BUILD_DIR/compile_commands.json: the binaries would not be portable"
fi

# ---- stage ---------------------------------------------------------------------------------------
step stage
STAGE_PARENT=$(mktemp -d "$OUTDIR/.bundle-stage.XXXXXX")
trap 'rm -rf "$STAGE_PARENT"' EXIT
B=$STAGE_PARENT/$NAME
mkdir -p "$B"/{bin,libexec,lib,etc,share,scripts,bench,tests}

# Our executables, stripped of their symbol tables (15 % smaller; Release has no debug info).
OURS=(emoaug "${TEST_BINARIES[@]}" "${BENCHES[@]}")
for exe in "${OURS[@]}"; do
  case $exe in emoaug) f=$BUILD_DIR/$exe ;; bench_*) f=$BUILD_DIR/bench/$exe ;; *) f=$BUILD_DIR/tests/$exe ;; esac
  [ -x "$f" ] || die "$f not built"
  cp "$f" "$B/libexec/$exe"
  strip --strip-unneeded "$B/libexec/$exe"
done

step open-mpi
# Open MPI's install tree, laid out so that OPAL_PREFIX=<bundle> finds each piece where this
# machine's Open MPI looks for it below its own prefix (Debian: the plugins in
# lib/x86_64-linux-gnu/openmpi/lib/openmpi3, the help texts in share/openmpi).
ompi_path() { ompi_info --parsable --path "$1" | sed -n "s|^path:$1:||p"; }
OMPI_PREFIX=$(ompi_path prefix)
OMPI_PKGLIBDIR=$(ompi_path pkglibdir)
OMPI_PKGDATADIR=$(ompi_path pkgdatadir)
OMPI_BINDIR=$(ompi_path bindir)
OMPI_VERSION=$(ompi_info --parsable | sed -n 's/^ompi:version:full://p')
case $OMPI_PKGLIBDIR in "$OMPI_PREFIX"/*) ;; *) die "Open MPI's plugins ($OMPI_PKGLIBDIR) are not below its prefix ($OMPI_PREFIX)" ;; esac
case $OMPI_PKGDATADIR in "$OMPI_PREFIX"/*) ;; *) die "Open MPI's data ($OMPI_PKGDATADIR) are not below its prefix ($OMPI_PREFIX)" ;; esac
MCA_REL=${OMPI_PKGLIBDIR#"$OMPI_PREFIX"/}
MCA_DIR=$B/$MCA_REL
mkdir -p "$MCA_DIR" "$B/${OMPI_PKGDATADIR#"$OMPI_PREFIX"/}"
# mpirun and mpiexec are orterun under another name (links, so that it sees the name it was run as).
for exe in orterun orted ompi_info; do
  [ -x "$OMPI_BINDIR/$exe" ] || die "$OMPI_BINDIR/$exe not found (Open MPI 4 with ORTE expected)"
  cp -L "$OMPI_BINDIR/$exe" "$B/libexec/$exe"
done
ln -s orterun "$B/libexec/mpirun"
ln -s orterun "$B/libexec/mpiexec"
# The plugins, less the ones that need a fabric's user-space stack (UCX, libfabric, verbs, PSM):
# those libraries look for their own drivers and config in this distribution's paths and would not
# find them elsewhere. Debian's own openmpi-mca-params.conf disables them too; ranks talk over
# shared memory (vader) and TCP, and the GPUs over the node's NCCL. OpenSHMEM's plugins go as well
# (emoaug is MPI only).
skipped_mca=()
for so in "$OMPI_PKGLIBDIR"/*.so; do
  base=$(basename "$so")
  case $base in
    *_ucx.so | *_ofi.so | mca_btl_openib.so | mca_btl_uct.so | mca_mtl_psm.so | mca_mtl_psm2.so | \
      mca_mtl_portals4.so | mca_btl_portals4.so | mca_btl_usnic.so | \
      mca_atomic_*.so | mca_memheap_*.so | mca_scoll_*.so | mca_spml_*.so | mca_sshmem_*.so)
      skipped_mca+=("${base%.so}") ;;
    *) cp -L "$so" "$MCA_DIR/" ;;
  esac
done
cp -rL "$OMPI_PKGDATADIR"/. "$B/${OMPI_PKGDATADIR#"$OMPI_PREFIX"/}/"
# Debian's system-wide settings, from the bundle instead of the node's /etc/openmpi.
{
  echo "# Read by the bundle's Open MPI in place of /etc/openmpi (bin/* set"
  echo "# OMPI_MCA_mca_base_param_files); the fabric plugins are not in the bundle."
  echo "btl_base_warn_component_unused = 0"
  echo "btl = ^uct,openib,ofi"
  echo "mtl = ^ofi"
  echo "pml = ^ucx"
  echo "osc = ^ucx,pt2pt"
} >"$B/etc/openmpi-mca-params.conf"
# The default hostfile (OMPI_MCA_orte_default_hostfile): none of the node's, no hosts.
echo "# No hosts: mpirun runs on this node, or on the allocation of SLURM or a --hostfile." \
  >"$B/etc/openmpi-default-hostfile"

# PMIx (Open MPI's runtime talks to its ranks through it): its plugins and help texts, found through
# PMIX_PREFIX and friends. Debian keeps them in /usr/lib/x86_64-linux-gnu/pmix2/{lib/pmix,share/pmix}.
PMIX_LIB=$(ldd "$B/libexec/orterun" | awk '$1 ~ /^libpmix\.so/ && $2 == "=>" {print $3}')
if [ -z "$PMIX_LIB" ]; then
  # awk reads to the end (no exit): under pipefail an early exit would kill ldd with SIGPIPE.
  PMIX_LIB=$(ldd "$MCA_DIR"/mca_pmix_*.so 2>/dev/null | awk '$1 ~ /^libpmix\.so/ && $2 == "=>" && !n++ {print $3}')
fi
PMIX_HOME=""
if [ -n "$PMIX_LIB" ]; then
  PMIX_LIBDIR=$(dirname "$(readlink -f "$PMIX_LIB")")
  PMIX_HOME=$(dirname "$PMIX_LIBDIR")
  mkdir -p "$B/lib/pmix" "$B/share/pmix"
  [ -d "$PMIX_LIBDIR/pmix" ] && cp -L "$PMIX_LIBDIR"/pmix/*.so "$B/lib/pmix/"
  [ -d "$PMIX_HOME/share/pmix" ] && cp -rL "$PMIX_HOME/share/pmix/." "$B/share/pmix/"
fi
# hwloc looks for plugins in a compiled-in folder of this distribution: point it at an empty one
# (HWLOC_PLUGINS_PATH), so that no other hwloc's plugins are loaded; the core needs none.
mkdir -p "$B/lib/hwloc"

# ---- shared libraries ----------------------------------------------------------------------------
step libraries
# Where the CUDA toolkit's libraries are (they stay out): the build's CUDAToolkit_LIBRARY_DIR, the
# NCCL it found, and the toolkit prefix of nvcc. ldd needs them on the path, since the binaries have
# no RPATH.
# The first match, with sed's own q: a reader that closes early would kill sed with SIGPIPE, and
# pipefail would fail the step.
cache_value() { sed -n "/^$1:[A-Z]*=/{s|^$1:[A-Z]*=||p;q}" "$BUILD_DIR/CMakeCache.txt"; }
CUDA_LIBDIR=$(cache_value CUDAToolkit_LIBRARY_DIR)
NCCL_LIBRARY=$(cache_value NCCL_LIBRARY)
NCCL_LIBDIR=""
[ -n "$NCCL_LIBRARY" ] && [ "${NCCL_LIBRARY%NOTFOUND}" = "$NCCL_LIBRARY" ] && NCCL_LIBDIR=$(dirname "$NCCL_LIBRARY")
CUDA_ROOT=$(dirname "$(dirname "$(readlink -f "$NVCC")")")
TOOLKIT_PATH=$CUDA_LIBDIR${NCCL_LIBDIR:+:$NCCL_LIBDIR}
TOOLKIT_PREFIXES=("$CUDA_ROOT" /usr/local/cuda)
[ -n "$CUDA_LIBDIR" ] && TOOLKIT_PREFIXES+=("$(readlink -f "$CUDA_LIBDIR")")
[ -n "$NCCL_LIBDIR" ] && TOOLKIT_PREFIXES+=("$(readlink -f "$NCCL_LIBDIR")")

# glibc's own libraries (the node's must be used: they come with its ld.so), by soname.
is_glibc() {
  case $1 in
    ld-linux*.so* | libc.so.* | libm.so.* | libdl.so.* | libpthread.so.* | librt.so.* | \
      libresolv.so.* | libutil.so.* | libanl.so.* | libmvec.so.* | libnss_*.so.* | \
      libBrokenLocale.so.* | libthread_db.so.* | libc_malloc_debug.so.* | linux-vdso.so.*) return 0 ;;
  esac
  return 1
}
# The NVIDIA driver's, and the CUDA toolkit's (by soname, wherever a toolkit put them, and by
# folder).
is_nvidia() {
  case $1 in
    libcuda.so* | libnvidia-*.so* | libcudart.so* | libcublas.so* | libcublasLt.so* | libnccl.so* | \
      libcufft*.so* | libcurand.so* | libcusolver*.so* | libcusparse*.so* | libnvJitLink.so* | \
      libnvrtc*.so* | libcupti.so* | libnvToolsExt.so* | libnvtx*.so* | libcudnn*.so* | \
      libnvblas.so* | libnpp*.so* | libnvjpeg.so* | libcufile*.so*) return 0 ;;
  esac
  local real p
  real=$(readlink -f "$2" 2>/dev/null || echo "$2")
  for p in "${TOOLKIT_PREFIXES[@]}"; do
    case $real in "$p"/*) return 0 ;; esac
  done
  case $real in /usr/local/cuda*/*) return 0 ;; esac
  return 1
}

declare -A BUNDLED=()   # soname -> the file it was copied from
declare -A EXCLUDED=()  # soname -> why it stays out
ELVES=()
for f in "$B"/libexec/* "$MCA_DIR"/*.so "$B"/lib/pmix/*.so; do
  [ -f "$f" ] && [ ! -L "$f" ] && [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = 177ELF ] && ELVES+=("$f")
done
# ldd lists the whole closure of each object, so one pass over the executables and the plugins
# covers the libraries of the libraries.
missing=()
for f in "${ELVES[@]}"; do
  while read -r soname path; do
    if [ "$path" = "not" ]; then
      if is_nvidia "$soname" "$soname"; then
        EXCLUDED[$soname]="CUDA toolkit/driver (not found here)"
      else
        missing+=("$(basename "$f"): $soname")
      fi
      continue
    fi
    if is_glibc "$soname"; then
      EXCLUDED[$soname]=glibc
    elif is_nvidia "$soname" "$path"; then
      EXCLUDED[$soname]="CUDA toolkit/driver"
    elif [ -z "${BUNDLED[$soname]:-}" ]; then
      cp -L "$path" "$B/lib/$soname"
      chmod 0755 "$B/lib/$soname"
      BUNDLED[$soname]=$path
    elif [ "$(readlink -f "${BUNDLED[$soname]}")" != "$(readlink -f "$path")" ]; then
      die "$soname resolves to both ${BUNDLED[$soname]} and $path"
    fi
  done < <(LD_LIBRARY_PATH=$TOOLKIT_PATH ldd "$f" 2>/dev/null | awk '$2 == "=>" {print $1, $3}')
done
[ ${#missing[@]} -eq 0 ] || die "libraries not found: ${missing[*]}"

# What came from where (and from which Debian package, where dpkg knows: one dpkg -S for all, as
# each call reads the whole package database).
declare -A PACKAGE=()
if command -v dpkg >/dev/null; then
  candidates=()
  for soname in "${!BUNDLED[@]}"; do
    path=${BUNDLED[$soname]}
    candidates+=("$path" "$(readlink -f "$path")" "/usr$path")
  done
  while IFS= read -r line; do
    case $line in *": /"*) PACKAGE[${line#*: }]=${line%%: *} ;; esac
  done < <(dpkg -S "${candidates[@]}" 2>/dev/null || true)
fi
{
  printf '# soname\tcopied from\tpackage\n'
  for soname in $(printf '%s\n' "${!BUNDLED[@]}" | sort); do
    path=${BUNDLED[$soname]}
    pkg=""
    for candidate in "$path" "$(readlink -f "$path")" "/usr$path"; do
      pkg=${PACKAGE[$candidate]:-}
      [ -z "$pkg" ] || break
    done
    printf '%s\t%s\t%s\n' "$soname" "$path" "${pkg:-?}"
  done
} >"$B/lib/MANIFEST.tsv"

# ---- glibc and CUDA needs -------------------------------------------------------------------------
step glibc
# The oldest glibc the bundle runs on: the highest GLIBC_x.y version that any packed file's version
# needs (readelf -V, non-weak entries) require, for our binaries and every library and plugin.
# Measured, since a library copied from this machine may need a newer glibc than our own code.
PACKED=()
for f in "${ELVES[@]}" "$B"/lib/*.so*; do
  [ -f "$f" ] && [ ! -L "$f" ] && PACKED+=("$f")
done
GLIBC_REQUIRED="" GLIBC_REQUIRED_BY=""
for f in "${PACKED[@]}"; do
  v=$(readelf -V --wide "$f" 2>/dev/null |
    awk '/Name: GLIBC_[0-9]/ && /Flags: none/ {for (i = 1; i <= NF; i++) if ($i ~ /^GLIBC_[0-9]/) print substr($i, 7)}' |
    sort -uV | tail -1)
  [ -n "$v" ] || continue
  if [ -z "$GLIBC_REQUIRED" ] || [ "$(printf '%s\n%s\n' "$GLIBC_REQUIRED" "$v" | sort -V | tail -1)" != "$GLIBC_REQUIRED" ]; then
    GLIBC_REQUIRED=$v GLIBC_REQUIRED_BY=${f#"$B"/}
  fi
done
[ -n "$GLIBC_REQUIRED" ] || die "no GLIBC symbol version found in the packed binaries (readelf -V)"
# The CUDA libraries any packed file lists as NEEDED (the loader wants them before main): the
# wrappers check for them, and the README says what the node must have.
CUDA_NEEDED=()
declare -A CUDA_NEEDED_BY=()
for f in "${PACKED[@]}"; do
  while read -r soname; do
    case $soname in libcuda.so* | libnvidia-*.so*) continue ;; esac
    if is_nvidia "$soname" "$soname"; then
      [ -n "${CUDA_NEEDED_BY[$soname]:-}" ] || CUDA_NEEDED+=("$soname")
      CUDA_NEEDED_BY[$soname]+=" ${f##*/}"
    fi
  done < <(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
done

# ---- data, scripts and docs -----------------------------------------------------------------------
step data
# The layout mirrors the source tree where the binaries read from it (configs, the test fixtures,
# job specs, sbatch templates, the plotting script), so the bundle root can stand in for it.
cp -r "$ROOT/configs" "$ROOT/jobs" "$ROOT/slurm" "$B/"
mkdir -p "$B/tests"
cp -r "$ROOT/tests/reference" "$ROOT/tests/fixtures" "$B/tests/"
cp "$ROOT"/bench/pytorch_*.py "$B/bench/"
cp "$ROOT/scripts/plot_report.py" "$ROOT/scripts/gpu-check.sh" "$B/scripts/"
ln -s scripts/gpu-check.sh "$B/gpu-check.sh"
chmod 0755 "$B/scripts/gpu-check.sh"

# ---- wrappers ----------------------------------------------------------------------------------
step wrappers
# bin/NAME sets the environment (libexec/bundle-env.sh) and runs libexec/NAME.
cat >"$B/libexec/bundle-env.sh" <<'EOF'
# Sourced (POSIX sh) by the bin/ wrappers of the emoaug bundle, with EMOAUG_BUNDLE set to its root.
# Sets, once per process tree: the library path (the bundle's libraries first, then the node's CUDA
# 13 toolkit, then the caller's path), Open MPI's and PMIx's prefixes (OPAL_PREFIX, PMIX_*), an
# empty hwloc plugin folder, PATH (bin/ first: mpirun finds orted there), the python3 and
# plotting script of `emoaug report`, and the emoaug that `emoaug submit`'s jobs call.
if [ "${EMOAUG_BUNDLE_ENV:-}" != "$EMOAUG_BUNDLE" ]; then
  # The caller's library path, for the programs emoaug starts that are not ours (python3 for the
  # report's figures): the bundle's libraries are not theirs.
  EMOAUG_CALLER_LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}
  export EMOAUG_CALLER_LD_LIBRARY_PATH
  # The CUDA 13 toolkit's libraries (the runtime and cuBLAS, linked or loaded when the GPU backend
  # needs them): CUDA_HOME and the like, then nvcc's toolkit, then the usual prefixes.
  emoaug_nvcc=$(command -v nvcc 2>/dev/null || true)
  emoaug_nvcc_root=""
  [ -n "$emoaug_nvcc" ] && emoaug_nvcc_root=$(dirname "$(dirname "$(readlink -f "$emoaug_nvcc")")")
  EMOAUG_BUNDLE_CUDA_LIB=""
  for emoaug_root in "${CUDA_HOME:-}" "${CUDA_PATH:-}" "${CUDA_ROOT:-}" "${CUDA_DIR:-}" \
      "$emoaug_nvcc_root" /usr/local/cuda /usr/local/cuda-13 /usr/local/cuda-13.* /opt/cuda; do
    [ -n "$emoaug_root" ] || continue
    for emoaug_sub in lib64 lib targets/x86_64-linux/lib; do
      if [ -e "$emoaug_root/$emoaug_sub/libcublas.so.13" ] || [ -e "$emoaug_root/$emoaug_sub/libcudart.so.13" ]; then
        EMOAUG_BUNDLE_CUDA_LIB=$emoaug_root/$emoaug_sub
        break 2
      fi
    done
  done
  export EMOAUG_BUNDLE_CUDA_LIB
  LD_LIBRARY_PATH=$EMOAUG_BUNDLE/lib${EMOAUG_BUNDLE_CUDA_LIB:+:$EMOAUG_BUNDLE_CUDA_LIB}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export LD_LIBRARY_PATH
  # Open MPI finds its plugins, help texts and orted below OPAL_PREFIX; the system-wide settings
  # come from the bundle (the node's /etc/openmpi may belong to another Open MPI).
  OPAL_PREFIX=$EMOAUG_BUNDLE
  export OPAL_PREFIX
  : "${OMPI_MCA_mca_base_param_files:=${HOME:+$HOME/.openmpi/mca-params.conf:}$EMOAUG_BUNDLE/etc/openmpi-mca-params.conf}"
  : "${OMPI_MCA_orte_default_hostfile:=$EMOAUG_BUNDLE/etc/openmpi-default-hostfile}"
  export OMPI_MCA_mca_base_param_files OMPI_MCA_orte_default_hostfile
  # PMIx keeps some folders as absolute paths of the build machine: each is set.
  PMIX_PREFIX=$EMOAUG_BUNDLE PMIX_EXEC_PREFIX=$EMOAUG_BUNDLE PMIX_LIBDIR=$EMOAUG_BUNDLE/lib
  PMIX_DATADIR=$EMOAUG_BUNDLE/share PMIX_PKGLIBDIR=$EMOAUG_BUNDLE/lib/pmix
  PMIX_PKGDATADIR=$EMOAUG_BUNDLE/share/pmix PMIX_SYSCONFDIR=$EMOAUG_BUNDLE/etc
  PMIX_MCA_mca_base_component_path=$EMOAUG_BUNDLE/lib/pmix
  export PMIX_PREFIX PMIX_EXEC_PREFIX PMIX_LIBDIR PMIX_DATADIR PMIX_PKGLIBDIR PMIX_PKGDATADIR \
    PMIX_SYSCONFDIR PMIX_MCA_mca_base_component_path
  HWLOC_PLUGINS_PATH=$EMOAUG_BUNDLE/lib/hwloc
  export HWLOC_PLUGINS_PATH
  PATH=$EMOAUG_BUNDLE/bin:$PATH
  export PATH
  : "${EMOAUG_PYTHON:=$EMOAUG_BUNDLE/libexec/python3-caller}"
  : "${EMOAUG_PLOT_SCRIPT:=$EMOAUG_BUNDLE/scripts/plot_report.py}"
  # What `emoaug submit` writes into its sbatch scripts: this wrapper, not libexec/emoaug.
  EMOAUG_EXE=$EMOAUG_BUNDLE/bin/emoaug
  export EMOAUG_PYTHON EMOAUG_PLOT_SCRIPT EMOAUG_EXE
  EMOAUG_BUNDLE_ENV=$EMOAUG_BUNDLE
  export EMOAUG_BUNDLE_ENV
fi
EOF

cat >"$B/libexec/python3-caller" <<'EOF'
#!/bin/sh
# `emoaug report` runs this as its python3 (EMOAUG_PYTHON): the node's python3 (Debian's first, as
# emoaug itself prefers) with the caller's library path, not the bundle's.
if [ -n "${EMOAUG_CALLER_LD_LIBRARY_PATH:-}" ]; then
  LD_LIBRARY_PATH=$EMOAUG_CALLER_LD_LIBRARY_PATH
  export LD_LIBRARY_PATH
else
  unset LD_LIBRARY_PATH
fi
[ -x /usr/bin/python3 ] && exec /usr/bin/python3 "$@"
exec python3 "$@"
EOF
chmod 0755 "$B/libexec/python3-caller"

# A binary that lists CUDA libraries as NEEDED cannot start without them: its wrapper says where
# they were looked for when they are missing, rather than leave the loader's one line. The first
# of them stands for all (they come in one toolkit).
{
  echo "# Sourced by the bin/ wrappers of binaries that list CUDA libraries as NEEDED (emoaug_cuda_needed)."
  echo "emoaug_cuda_needed='${CUDA_NEEDED[*]}'"
} >"$B/libexec/need-cuda.sh"
cat >>"$B/libexec/need-cuda.sh" <<'EOF'
emoaug_first=${emoaug_cuda_needed%% *}
if [ -n "$emoaug_first" ] && [ -z "$EMOAUG_BUNDLE_CUDA_LIB" ]; then
  emoaug_found=""
  emoaug_ifs=$IFS
  IFS=:
  for emoaug_dir in ${EMOAUG_CALLER_LD_LIBRARY_PATH:-}; do
    [ -n "$emoaug_dir" ] && [ -e "$emoaug_dir/$emoaug_first" ] && emoaug_found=1
  done
  IFS=$emoaug_ifs
  # grep without -q reads all of ldconfig's output, so ldconfig never meets a closed pipe.
  if [ -z "$emoaug_found" ] && ! { /sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null; } |
      grep -F "$emoaug_first " >/dev/null; then
    echo "emoaug bundle: the CUDA 13 libraries this program links ($emoaug_cuda_needed) were not" \
      "found: load your CUDA 13 module or set CUDA_HOME (looked in \$CUDA_HOME, \$CUDA_PATH," \
      "nvcc's toolkit, /usr/local/cuda*, LD_LIBRARY_PATH and the loader cache)" >&2
  fi
fi
EOF

make_wrapper() {  # make_wrapper NAME NEEDS_CUDA
  {
    echo '#!/bin/sh'
    echo "# emoaug bundle: runs libexec/$1 with the bundle's libraries and Open MPI (libexec/bundle-env.sh)."
    echo 'emoaug_self=$(readlink -f "$0") || emoaug_self=$0'
    echo 'EMOAUG_BUNDLE=$(cd "$(dirname "$emoaug_self")/.." && pwd -P)'
    echo '. "$EMOAUG_BUNDLE/libexec/bundle-env.sh"'
    [ "$2" = 1 ] && echo '. "$EMOAUG_BUNDLE/libexec/need-cuda.sh"'
    echo "exec \"\$EMOAUG_BUNDLE/libexec/$1\" \"\$@\""
  } >"$B/bin/$1"
  chmod 0755 "$B/bin/$1"
}
for exe in "${OURS[@]}"; do
  needs=0
  for soname in "${CUDA_NEEDED[@]}"; do
    case "${CUDA_NEEDED_BY[$soname]} " in *" $exe "*) needs=1 ;; esac
  done
  make_wrapper "$exe" $needs
done
for exe in mpirun mpiexec orterun orted ompi_info; do make_wrapper "$exe" 0; done

# ---- README and build facts ----------------------------------------------------------------------
step buildinfo
# getconf, not ldd --version cut by an early-closing reader: under pipefail ldd would die of SIGPIPE.
GLIBC_HERE=$(getconf GNU_LIBC_VERSION)
GLIBC_HERE=${GLIBC_HERE#glibc }
NVCC_VERSION=$("$NVCC" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')
CUDA_ARCHS=$(cache_value CMAKE_CUDA_ARCHITECTURES)
OS=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME" || uname -sr)
{
  echo "name $NAME"
  echo "version $VERSION"
  echo "git_sha $SHA"
  echo "built_on $OS"
  echo "built_at $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "glibc_required $GLIBC_REQUIRED"
  echo "glibc_required_by $GLIBC_REQUIRED_BY"
  echo "glibc_built_with $GLIBC_HERE"
  echo "cuda_needed_at_load ${CUDA_NEEDED[*]:-none}"
  echo "nvcc $NVCC_VERSION"
  echo "cuda_architectures $CUDA_ARCHS"
  echo "open_mpi $OMPI_VERSION"
  echo "source_dir_compiled_in $SRC_LINK"
  echo "mca_plugins_left_out ${skipped_mca[*]:-none}"
  echo "from_the_node_glibc $(for k in "${!EXCLUDED[@]}"; do
    [ "${EXCLUDED[$k]}" = glibc ] && echo "$k"; done | sort | tr '\n' ' ')"
  echo "from_the_node_cuda $(for k in "${!EXCLUDED[@]}"; do
    [ "${EXCLUDED[$k]}" != glibc ] && echo "$k"; done | sort | tr '\n' ' ')"
} >"$B/BUILDINFO"

if [ ${#CUDA_NEEDED[@]} -gt 0 ]; then
  CUDA_NEEDS_TEXT="  - the CUDA 13 libraries ${CUDA_NEEDED[*]}
    from the node's toolkit or modules: bin/* look in \$CUDA_HOME, \$CUDA_PATH, nvcc's toolkit
    and /usr/local/cuda*, then LD_LIBRARY_PATH. emoaug links them, so they are needed to start
    at all, even on the CPU backend."
else
  CUDA_NEEDS_TEXT="  - nothing of CUDA's to start: the CUDA runtime is linked in, and cuBLAS 13 (and NCCL 2 for
    several GPUs) are loaded from the node's toolkit or modules when the GPU backend needs them:
    bin/* look in \$CUDA_HOME, \$CUDA_PATH, nvcc's toolkit and /usr/local/cuda*, then
    LD_LIBRARY_PATH (bin/emoaug info names each library found)."
fi
cat >"$B/README.txt" <<EOF
emoaug $VERSION (git $SHA): portable build for x86-64 Linux with CUDA

emoaug reproduces and scales "CycleGAN-based Emotion Style Transfer as Data Augmentation for
Speech Emotion Recognition" (Bao, Neumann, Vu, Interspeech 2019) as an MPI experiment runner.
This folder is the CUDA build of emoaug, its tests and benchmarks, with the libraries it needs
(HDF5, Open MPI $OMPI_VERSION, TOML++, OpenBLAS, libstdc++, ...; lib/MANIFEST.tsv lists them). It
runs from wherever it is unpacked, with no root and no network. Built on $OS.

What the node needs
  - x86-64 Linux with glibc $GLIBC_REQUIRED or newer (the newest glibc version any packed file
    needs, measured; built on glibc $GLIBC_HERE)
  - the NVIDIA driver (for GPUs; the CPU backend runs without one)
$CUDA_NEEDS_TEXT
  - GPU kernels are built for sm_$CUDA_ARCHS (H100/H200); python3 with PyTorch only for the
    PyTorch comparison of gpu-check.sh, python3 with matplotlib and h5py only for report figures.

How to run
  bin/emoaug info                                   version, backends, the GPU it sees
  bin/emoaug synth -o data                          small synthetic corpora
  bin/emoaug run configs/demo.toml -s data.target=data/target.h5 \\
      -s data.source=data/source.h5 -s data.cross=data/cross.h5 -s experiment.output=runs/demo
  bin/mpirun -np 2 bin/emoaug run configs/demo.toml ...   the same on 2 MPI ranks
  ./gpu-check.sh OUTDIR                             checks a GPU node in at most 8 minutes:
      a paper-shape CycleGAN group timed, the CUDA tests, bench_cuda_step vs PyTorch (FP32 and
      TF32), the demo on CPU and GPU, compute-sanitizer when there is one; writes
      OUTDIR/gpu-check.tsv, OUTDIR/gpu-check.md and OUTDIR/logs.tar.gz
  bin/emoaug_tests --gtest_filter='Cuda*'           the CUDA unit tests (gpu-check.sh runs them;
      they read tests/reference/ through $SRC_LINK, which
      gpu-check.sh links to this folder: ln -sfn "\$PWD" $SRC_LINK)
  bin/bench_cuda_step [--tf32]                      the paper's CycleGAN iteration on the GPU

  Always start programs through bin/: the wrappers set LD_LIBRARY_PATH (the bundle's lib/, then
  the CUDA toolkit's), OPAL_PREFIX (Open MPI's plugins, help texts and orted come from here) and
  PATH. Every emoaug command has --help. Inside a SLURM allocation bin/mpirun takes its nodes
  from SLURM and starts its daemons with srun (Open MPI's SLURM plugins are in the bundle; with
  the bundle on a shared file system, at the same path on every node).

Not in the bundle
  glibc; the NVIDIA driver; the CUDA toolkit's libraries; Open MPI's plugins for UCX, libfabric,
  verbs and PSM (ranks communicate over shared memory and TCP; GPUs over the node's NCCL); hwloc's
  plugins; HDF5's filter plugins.

Files
  bin/          wrappers: emoaug, tests, benchmarks, mpirun/mpiexec/orterun/orted/ompi_info
  libexec/      the programs themselves
  lib/          shared libraries (MANIFEST.tsv: where each came from), Open MPI's and PMIx's plugins
  share/ etc/   Open MPI's and PMIx's help texts and settings
  configs/ jobs/ slurm/   experiment configs, job specs, sbatch templates
  bench/        the PyTorch peers of the benchmarks; scripts/  plot_report.py, gpu-check.sh
  tests/        the fixtures the test binaries read (see gpu-check.sh)
  BUILDINFO     version, git sha, the glibc needed, CUDA libraries needed, CUDA architectures,
                Open MPI
EOF

# ---- archive -----------------------------------------------------------------------------------
step archive
say "packing $ARCHIVE"
tmp_archive=$(mktemp "$OUTDIR/.$NAME.XXXXXX")
tar -C "$STAGE_PARENT" --sort=name --owner=0 --group=0 --numeric-owner -cf - "$NAME" |
  gzip -9 >"$tmp_archive"
size=$(stat -c %s "$tmp_archive")
limit=$((MAX_MIB * 1024 * 1024))
if [ "$size" -gt "$limit" ]; then
  rm -f "$tmp_archive"
  die "the archive is $((size / 1024 / 1024)) MiB, over the limit of $MAX_MIB MiB"
fi
chmod 0644 "$tmp_archive"
mv -f "$tmp_archive" "$ARCHIVE"
END=$(date +%s)
unpacked=$(du -sk "$B" | awk '{print $1}')
say "bundled ${#BUNDLED[@]} libraries: $(printf '%s\n' "${!BUNDLED[@]}" | sort | tr '\n' ' ')"
[ ${#skipped_mca[@]} -gt 0 ] && say "left out Open MPI plugins: ${skipped_mca[*]}"
say "needs glibc $GLIBC_REQUIRED or newer (highest GLIBC_ version required, by $GLIBC_REQUIRED_BY);" \
  "CUDA libraries needed at load: ${CUDA_NEEDED[*]:-none}"
say "$(awk -v s="$size" 'BEGIN {printf "%.1f", s / 1048576}') MiB compressed," \
  "$((unpacked / 1024)) MiB unpacked; build $((BUILT - START)) s, packing $((END - BUILT)) s"
echo "$ARCHIVE"
