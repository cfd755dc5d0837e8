#!/usr/bin/env bash
# Checks gpu-check.sh of an unpacked bundle on a machine without a GPU (called by check_bundle.sh):
#   tests/bundle/check_gpu_check.sh UNPACKED_BUNDLE
#  1. the default run: exit 0, OUTDIR holds gpu-check.tsv, gpu-check.md and logs.tar.gz (at most 6
#     files, none over 16 MiB), `gpu none`, the GPU steps skipped with the reason, within its
#     budget, the step budgets adding up to it, no scratch folder left in TMPDIR;
#  2. GPU_CHECK_BUDGET_S=180 with the timed group on the CPU (too slow for its share): the group is
#     cut at its share and the whole check still ends within 180 s (+ a few for start and exit);
#  3. the CUDA toolkit hidden (a private mount namespace with an empty tmpfs over its folder; needs
#     root and unshare, else skipped with the reason): a loader_failure naming the library or a
#     lib_* missing line, and `gpu none` (there is no nvidia-smi), not a library complaint;
#  4. the same with a fake nvidia-smi that shows a GPU: the GPU is named, the library is a loader
#     failure, and no step is skipped for "no GPU";
#  5. a fake nvidia-smi and a fake `emoaug info` in the form emoaug prints once it loads cuBLAS and
#     NCCL at run time ("library NAME: PATH (VERSION)" / "library NAME: not found (...)"), and a
#     test binary that fails in the loader: lib_* lines, loader_failure for cuBLAS and for the
#     loader's message.
#  6. an nvidia-smi that fails in the loader: `gpu unknown` (not none) and its loader_failure.
# Exit status 0 when every check passes (or is skipped with the reason), 1 naming the first failure.
set -euo pipefail
[ $# -eq 1 ] && [ -x "$1/gpu-check.sh" ] ||
  { echo "usage: tests/bundle/check_gpu_check.sh UNPACKED_BUNDLE (a folder with gpu-check.sh)" >&2; exit 2; }
U=$(cd "$1" && pwd -P)
W=$(mktemp -d "${TMPDIR:-/tmp}/emoaug-gpu-check-check.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
  trap 'echo "check_gpu_check: scratch folder kept: $W"' EXIT
else
  trap 'rm -rf "$W"' EXIT
fi
SLACK_S=10  # bash's start, the last step's kill grace, packing and the page

fail() { echo "check_gpu_check: FAILED: $*" >&2; exit 1; }
pass() { echo "check_gpu_check: ok: $*"; }
show() { echo "--- $1 (last 40 lines)" >&2; tail -40 "$1" >&2; }
# The value of NAME in TSV (the first line), empty when absent; read whole, no early-closing pipe.
tsv() { awk -F'\t' -v n="$2" '$1 == n {print $2; exit}' "$1"; }

mkdir -p "$W/home"
if (cd "$W/home" && env -i PATH=/usr/bin:/bin HOME="$W/home" "$U/bin/emoaug" info 2>&1) |
    grep -F 'cuda backend: built, a device is available' >/dev/null; then
  echo "check_gpu_check: a GPU is here: these checks are for a machine without one; run $U/gpu-check.sh DIR"
  exit 0
fi

# run_gpu_check NAME BUDGET [PREFIX...] [-- ENV...]: gpu-check.sh into W/NAME/out, started through
# PREFIX (e.g. unshare), with only PATH, HOME, TMPDIR=W/NAME/tmp and ENV in the environment; sets
# RC, WALL, OUT, TSV. PATH may be given in ENV (it comes later and wins).
run_gpu_check() {
  local name=$1 budget=$2 prefix=() envs=() t0
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do prefix+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  envs=("$@")
  mkdir -p "$W/$name/tmp"
  OUT=$W/$name/out
  TSV=$OUT/gpu-check.tsv
  LOG=$W/$name/gpu-check.log
  t0=$(date +%s.%N)
  set +e
  (cd "$W/home" && timeout $((budget + 60)) "${prefix[@]}" env -i PATH=/usr/bin:/bin HOME="$W/home" \
    TMPDIR="$W/$name/tmp" "${envs[@]}" "$U/gpu-check.sh" "$OUT") >"$LOG" 2>&1
  RC=$?
  set -e
  WALL=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
}

# check_outputs NAME BUDGET: the files gpu-check leaves, its time and budgets, and no scratch.
check_outputs() {
  local name=$1 budget=$2 files big sum total
  [ "$RC" = 0 ] || { show "$LOG"; fail "$name: gpu-check.sh exited $RC"; }
  files=$(find "$OUT" -mindepth 1 | wc -l)
  [ "$files" -le 6 ] || fail "$name: $files entries in OUTDIR, at most 6 allowed: $(ls -A "$OUT" | tr '\n' ' ')"
  big=$(find "$OUT" -type f -size +16M)
  [ -z "$big" ] || fail "$name: over 16 MiB: $big"
  for f in gpu-check.tsv gpu-check.md logs.tar.gz; do
    [ -s "$OUT/$f" ] || fail "$name: no $f in OUTDIR"
  done
  tar -tzf "$OUT/logs.tar.gz" >"$W/$name/archive.list" || fail "$name: logs.tar.gz does not read"
  grep -F 'emoaug-info.log' "$W/$name/archive.list" >/dev/null || fail "$name: logs.tar.gz has no emoaug-info.log"
  [ "$(head -c 4 "$TSV")" = "gpu	" ] || fail "$name: gpu-check.tsv does not start with the gpu line"
  total=$(tsv "$TSV" gpu_check_budget_s)
  [ "$total" = "$budget" ] || fail "$name: gpu_check_budget_s is '$total', not $budget"
  sum=$(awk -F'\t' '$1 ~ /^step_.*_budget_s$/ {s += $2; n++} END {print s + 0, n + 0}' "$TSV")
  [ "${sum% *}" = "$budget" ] || fail "$name: the step budgets add up to ${sum% *} s, not $budget"
  awk -v w="$WALL" -v b="$budget" -v s="$SLACK_S" 'BEGIN {exit !(w <= b + s)}' ||
    fail "$name: took $WALL s, over its budget of $budget s (+ $SLACK_S)"
  [ -z "$(ls -A "$W/$name/tmp")" ] || fail "$name: scratch left in TMPDIR: $(ls -A "$W/$name/tmp" | tr '\n' ' ')"
  # A library problem is never reported as a missing GPU.
  if grep -E '^gpu	' "$TSV" | grep -Ei 'lib|load|cannot|not found|error' >/dev/null; then
    fail "$name: the gpu line is a library complaint: $(grep -m1 '^gpu	' "$TSV")"
  fi
  echo "$files files, ${sum#* } step budgets adding up to $budget s, $WALL s"
}

# ---- 1. the default run, no GPU -------------------------------------------------------------------
run_gpu_check default 470
summary=$(check_outputs default 470)
[ "$(tsv "$TSV" gpu)" = none ] || fail "default: gpu is '$(tsv "$TSV" gpu)' on a machine without a GPU"
[ "$(tsv "$TSV" step_cuda_tests)" = ok ] && [ "$(tsv "$TSV" cuda_tests_failed)" = 0 ] ||
  { show "$TSV"; fail "default: the CUDA tests did not run cleanly (they skip without a GPU)"; }
for s in paper_gan bench_cuda_fp32 pytorch_cuda_tf32 sanitizer_memcheck; do
  case $(tsv "$TSV" "step_$s") in "skipped: no GPU"*) ;; *)
    show "$TSV"; fail "default: step_$s is '$(tsv "$TSV" "step_$s")', not skipped for no GPU" ;;
  esac
done
! grep '^loader_failure	' "$TSV" >/dev/null || fail "default: a loader failure with the libraries in place: $(grep '^loader_failure' "$TSV" | tr '\n' ' ')"
grep -F '| cuda_tests | ok |' "$OUT/gpu-check.md" >/dev/null || fail "default: gpu-check.md has no step table"
pass "gpu-check.sh without a GPU: exit 0, $summary; $(grep -c 'skipped: ' "$TSV") steps skipped with the reason"
DEFAULT_WALL=$WALL

# ---- 2. a step over its share is cut there ---------------------------------------------------------
run_gpu_check short 180 -- GPU_CHECK_BUDGET_S=180 GPU_CHECK_GAN_BACKEND=cpu
summary=$(check_outputs short 180)
# The group's data or the group itself (minutes on the CPU) is cut at its share.
status="data: $(tsv "$TSV" step_paper_synth), group: $(tsv "$TSV" step_paper_gan_20_20)"
case $status in *"timeout after"*) ;; *) show "$TSV"; fail "short: no step of the CPU group was cut at its share ($status)" ;; esac
pass "GPU_CHECK_BUDGET_S=180, the group on the CPU: $summary ($status)"

# ---- 3./4. the CUDA toolkit hidden ------------------------------------------------------------------
# A fake nvidia-smi, for "a GPU is there, only its libraries are not".
mkdir -p "$W/fakebin"
cat >"$W/fakebin/nvidia-smi" <<'EOF'
#!/bin/sh
# A stand-in for nvidia-smi on a node with one H100 (the fields gpu-check.sh asks for).
case "$*" in
  *--query-gpu=*compute_cap*) echo "NVIDIA H100 80GB HBM3, 580.65.06, 81559, 9.0" ;;
  *--query-gpu=*) echo "NVIDIA H100 80GB HBM3, 580.65.06, 81559" ;;
  *) echo "| NVIDIA-SMI 580.65.06    Driver Version: 580.65.06    CUDA Version: 13.0 |" ;;
esac
EOF
chmod 0755 "$W/fakebin/nvidia-smi"
CUDA_REAL=$(readlink -f /usr/local/cuda 2>/dev/null || true)
hide=()
if [ "$(id -u)" != 0 ]; then
  echo "check_gpu_check: skipped the hidden-library checks: they need root (a mount namespace)"
elif [ -z "$CUDA_REAL" ] || [ ! -d "$CUDA_REAL" ]; then
  echo "check_gpu_check: skipped the hidden-library checks: no /usr/local/cuda here to hide"
elif ! unshare -m sh -c 'mount -t tmpfs -o size=1m tmpfs "$1"' _ "$CUDA_REAL" 2>"$W/unshare.err"; then
  echo "check_gpu_check: skipped the hidden-library checks: unshare -m with a tmpfs failed: $(head -c 300 "$W/unshare.err")"
else
  hide=(unshare -m sh -c 'mount -t tmpfs -o size=1m tmpfs "$1" && shift && exec "$@"' _ "$CUDA_REAL")
fi
if [ ${#hide[@]} -gt 0 ]; then
  run_gpu_check hidden 470 "${hide[@]}"
  summary=$(check_outputs hidden 470)
  [ "$(tsv "$TSV" gpu)" = none ] || fail "hidden: gpu is '$(tsv "$TSV" gpu)' without nvidia-smi"
  loader=$(awk -F'\t' '$1 == "loader_failure" {printf "%s ", $2}' "$TSV")
  missing=$(awk -F'\t' '$1 ~ /^lib_/ && $2 == "missing" {printf "%s ", $1}' "$TSV")
  [ -n "$loader$missing" ] || { show "$TSV"; fail "hidden: neither a loader_failure nor a lib_* missing line"; }
  pass "CUDA toolkit hidden ($CUDA_REAL): $summary; loader_failure: ${loader:-none}; missing: ${missing:-none}"

  run_gpu_check hidden-gpu 470 "${hide[@]}" -- PATH="$W/fakebin:/usr/bin:/bin"
  summary=$(check_outputs hidden-gpu 470)
  [ "$(tsv "$TSV" gpu)" = "NVIDIA H100 80GB HBM3" ] || fail "hidden-gpu: gpu is '$(tsv "$TSV" gpu)', not the GPU nvidia-smi shows"
  grep '^loader_failure	.' "$TSV" >/dev/null || { show "$TSV"; fail "hidden-gpu: a GPU and no CUDA libraries, but no loader_failure"; }
  if grep -E '^step_[a-z0-9_]+	skipped: .*(no GPU|no usable GPU)' "$TSV" >/dev/null; then
    fail "hidden-gpu: a step skipped for no GPU: $(grep -m1 -E 'skipped: .*no (usable )?GPU' "$TSV")"
  fi
  grep -E '^step_paper_gan	skipped: loader failure' "$TSV" >/dev/null ||
    { show "$TSV"; fail "hidden-gpu: the GPU steps are not skipped for the loader failure"; }
  pass "CUDA toolkit hidden, nvidia-smi showing a GPU: $summary; gpu $(tsv "$TSV" gpu), loader_failure $(awk -F'\t' '$1 == "loader_failure" {printf "%s ", $2}' "$TSV")"
fi

# ---- 5. emoaug info in the run-time-loading form, a test binary failing in the loader ---------------
# A copy of the bundle (hard links) whose bin/emoaug answers `info` with the new form and runs the
# real one otherwise, and whose bin/emoaug_tests fails as the loader does.
cp -al "$U" "$W/fake-bundle"
F=$W/fake-bundle
rm -f "$F/bin/emoaug" "$F/bin/emoaug_tests"
cp "$U/bin/emoaug" "$F/bin/emoaug.real"
cat >"$F/bin/emoaug" <<'EOF'
#!/bin/sh
if [ "${1:-}" = info ]; then
  echo "emoaug 0.0.0 (fake: the form of emoaug info once it loads cuBLAS and NCCL at run time)"
  echo "cuda backend: built, no usable device (cuBLAS could not be loaded)"
  echo "library cublas: not found (looked in: /nowhere/lib64, the loader's path)"
  echo "library cublasLt: not found (looked in: /nowhere/lib64, the loader's path)"
  echo "library nccl: /opt/nccl/lib/libnccl.so.2 (2.27.7)"
  echo "library cuda-driver: /usr/lib/x86_64-linux-gnu/libcuda.so.1 (CUDA 13.0)"
  exit 0
fi
exec "$(dirname "$0")/emoaug.real" "$@"
EOF
cat >"$F/bin/emoaug_tests" <<'EOF'
#!/bin/sh
echo "$0: error while loading shared libraries: libfake-for-test.so.1: cannot open shared object file: No such file or directory" >&2
exit 127
EOF
chmod 0755 "$F/bin/emoaug" "$F/bin/emoaug_tests"
U_REAL=$U
U=$F
run_gpu_check fake-info 470 -- PATH="$W/fakebin:/usr/bin:/bin"
U=$U_REAL
summary=$(check_outputs fake-info 470)
for want in "lib_cublas	missing" "lib_cublasLt	missing" "lib_nccl	/opt/nccl/lib/libnccl.so.2 (2.27.7)" \
    "lib_cuda-driver	/usr/lib/x86_64-linux-gnu/libcuda.so.1 (CUDA 13.0)" "loader_failure	libfake-for-test.so.1"; do
  grep -xF "$want" "$TSV" >/dev/null || { show "$TSV"; fail "fake-info: no line '$want'"; }
done
for want in "loader_failure	cublas" "loader_failure	cublasLt" "gpu	NVIDIA H100 80GB HBM3"; do
  grep -xF "$want" "$TSV" >/dev/null || { show "$TSV"; fail "fake-info: no line '$want'"; }
done
! grep -E '^step_[a-z0-9_]+	skipped: .*(no GPU|no usable GPU)' "$TSV" >/dev/null ||
  fail "fake-info: a step skipped for no GPU while the GPU lacks only cuBLAS"
pass "emoaug info's library lines and the loader's message: $summary; $(awk -F'\t' '$1 ~ /^lib_|^loader_failure$/ {printf "%s=%s; ", $1, $2}' "$TSV")"
# ---- 6. nvidia-smi failing in the loader: the GPU is unknown, not absent ------------------------------
mkdir -p "$W/fakebin-nvml"
cat >"$W/fakebin-nvml/nvidia-smi" <<'EOF'
#!/bin/sh
echo "nvidia-smi: error while loading shared libraries: libnvidia-ml.so.1: cannot open shared object file: No such file or directory" >&2
exit 127
EOF
chmod 0755 "$W/fakebin-nvml/nvidia-smi"
run_gpu_check nvml 470 -- PATH="$W/fakebin-nvml:/usr/bin:/bin"
summary=$(check_outputs nvml 470)
[ "$(tsv "$TSV" gpu)" = unknown ] || fail "nvml: gpu is '$(tsv "$TSV" gpu)' when nvidia-smi cannot load its library"
grep -xF "loader_failure	libnvidia-ml.so.1" "$TSV" >/dev/null || { show "$TSV"; fail "nvml: no loader_failure libnvidia-ml.so.1"; }
pass "nvidia-smi failing in the loader: $summary; gpu unknown, loader_failure libnvidia-ml.so.1"
echo "check_gpu_check: all checks passed (the default run without a GPU took $DEFAULT_WALL s)"
