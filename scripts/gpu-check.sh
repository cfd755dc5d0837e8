#!/usr/bin/env bash
# Checks a GPU node with the portable bundle (scripts/bundle.sh) in one call, in at most 8 minutes
# from unpacking the bundle (a few seconds) to its last line:
#   <bundle>/gpu-check.sh OUTDIR
# Steps, in this order, each with a share of the time (below):
#  setup      nvidia-smi (the GPU), `emoaug info` (the CUDA backend, each runtime library found)
#  paper_*    one paper-shape CycleGAN group (d = 1582, 4 emotions, one λcls, no checkpoints),
#             timed per phase, and the paper-scale run projected from it (projected_paper_hours)
#  cuda_tests bin/emoaug_tests --gtest_filter='Cuda*': passed / failed / skipped
#  bench_cuda_*, pytorch_cuda_*   bench_cuda_step beside bench/pytorch_cyclegan_step.py (the node's
#             python3 with PyTorch) in FP32 and in TF32, and their ratio per math mode
#  demo_*     the demo on the GPU and on the CPU: each summary.csv UAR row within the spread
#  sanitizer_* the op and group tests under compute-sanitizer's memcheck and synccheck (when it is
#             on PATH or in the CUDA toolkit, and there is time left): its error counts
# OUTDIR ends with three files: gpu-check.tsv ("name<TAB>value" lines, `gpu` first), gpu-check.md
# (a page to read: the GPU, each step's status and time, the key figures) and logs.tar.gz (every
# log). Bulky outputs (the runs, the data) stay in a scratch folder under TMPDIR, removed at the end.
# A failing test, a refused backend or a missed target is data in the TSV, not an error: the exit
# status is 0 whenever the check ran to its end, 2 on wrong usage. Without a GPU the GPU steps are
# skipped and say why; a library the loader could not find is a loader_failure line, never "no GPU".
#
# Environment:
#   GPU_CHECK_BUDGET_S=470                 the whole check's time, split among the steps in fixed
#                                          shares (step_<name>_budget_s); a step may also use
#                                          what the steps before it left, never a later one's
#   GPU_CHECK_PRETRAIN_EPOCHS=20 GPU_CHECK_EPOCHS=20   the timed CycleGAN group's first try; a
#                                          phase under 10 s (too short for the log's per-epoch
#                                          clock) is run again, longer, if its share allows
#   GPU_CHECK_GAN_BACKEND=cuda             cpu times that group on the CPU instead (slow: minutes)
#   GPU_CHECK_PYTHON=python3               the python3 with PyTorch (default: the first of python3
#                                          on PATH and /usr/bin/python3 that imports torch)
# Also: gpu-check.sh --compare-summaries CPU.csv CUDA.csv prints the demo comparison of two
# summary.csv files and exits 0 when every row agrees, 1 otherwise.
set -euo pipefail

# ---- the demo comparison -------------------------------------------------------------------------
# summary.csv: protocol,setting,lambda_cls,uar_mean,uar_std,... (docs/results.md). Rows are matched
# by (protocol, setting, lambda_cls); a row agrees when |mean_b - mean_a| <= max(2 * the larger std,
# 2 points). Prints one line per row, then "rows N within M max_abs_diff X".
compare_summaries() {
  awk -F, '
    FNR == 1 {
      file++
      for (i = 1; i <= NF; i++) col[file, $i] = i
      if (!col[file, "uar_mean"] || !col[file, "uar_std"]) {
        print "no uar_mean/uar_std columns in " FILENAME > "/dev/stderr"; bad = 1; exit 1
      }
      next
    }
    {
      key = $col[file, "protocol"] "," $col[file, "setting"] "," $col[file, "lambda_cls"]
      mean[file, key] = $col[file, "uar_mean"]; sd[file, key] = $col[file, "uar_std"]
      if (file == 1) order[++n] = key
    }
    END {
      if (bad) exit 1
      printf "%-28s %8s %6s %8s %6s %7s %6s %s\n", "row", "cpu", "std", "cuda", "std", "diff", "tol", "ok"
      rows = 0; within = 0; worst = 0
      for (i = 1; i <= n; i++) {
        k = order[i]
        if (!((2, k) in mean)) { printf "%-28s missing in the second file\n", k; rows++; continue }
        rows++
        d = mean[2, k] - mean[1, k]; ad = d < 0 ? -d : d
        s = sd[1, k] + 0 > sd[2, k] + 0 ? sd[1, k] + 0 : sd[2, k] + 0
        tol = 2 * s > 2 ? 2 * s : 2
        ok = ad <= tol
        within += ok
        if (ad > worst) worst = ad
        printf "%-28s %8.2f %6.2f %8.2f %6.2f %+7.2f %6.2f %s\n", k, mean[1, k], sd[1, k], mean[2, k], sd[2, k], d, tol, ok ? "yes" : "NO"
      }
      printf "rows %d within %d max_abs_diff %.2f\n", rows, within, worst
      exit (rows > 0 && within == rows) ? 0 : 1
    }' "$1" "$2"
}
if [ "${1:-}" = --compare-summaries ]; then
  [ $# -eq 3 ] || { echo "usage: gpu-check.sh --compare-summaries CPU.csv CUDA.csv" >&2; exit 2; }
  compare_summaries "$2" "$3"
  exit
fi

if [ $# -ne 1 ] || [ "${1#-}" != "$1" ]; then
  sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
START=$(date +%s)
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd -P)
[ -x "$ROOT/bin/emoaug" ] ||
  { echo "gpu-check: $ROOT/bin/emoaug not found: run gpu-check.sh from an unpacked bundle (scripts/bundle.sh)" >&2; exit 2; }
# 470 s: 8 minutes less 10 s for unpacking the bundle.
BUDGET=${GPU_CHECK_BUDGET_S:-470}
[[ $BUDGET =~ ^[0-9]+$ ]] && [ "$BUDGET" -ge 60 ] ||
  { echo "gpu-check: GPU_CHECK_BUDGET_S=$BUDGET is not a whole number of seconds >= 60" >&2; exit 2; }
mkdir -p "$1"
OUT=$(cd "$1" && pwd -P)
# Only this check's own files may be there: what it leaves must stay a few small files.
for f in "$OUT"/* "$OUT"/.[!.]*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  case ${f##*/} in gpu-check.tsv | gpu-check.md | logs.tar.gz) ;; *)
    echo "gpu-check: $OUT holds ${f##*/}: give an empty folder (or a previous gpu-check's)" >&2; exit 2 ;;
  esac
done
TSV=$OUT/gpu-check.tsv
MD=$OUT/gpu-check.md
ARCHIVE=$OUT/logs.tar.gz
rm -f "$TSV" "$MD" "$ARCHIVE"
: >"$TSV"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT  # until finish() below takes over
LOGS=$SCRATCH/gpu-check-logs
mkdir -p "$LOGS" "$SCRATCH/work" "$SCRATCH/tmp"
# The steps' own temporary files (Open MPI's session folder, left behind by a step cut at its
# time) go with the scratch folder.
export TMPDIR=$SCRATCH/tmp
cd "$SCRATCH/work"  # whatever a step leaves in its working folder is scratch too
BIN=$ROOT/bin
P_EPOCHS=${GPU_CHECK_PRETRAIN_EPOCHS:-20}
A_EPOCHS=${GPU_CHECK_EPOCHS:-20}
GAN_BACKEND=${GPU_CHECK_GAN_BACKEND:-cuda}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1  # containers run as root

note() { echo "gpu-check: $*"; }
# One "name value" line of the TSV; a value is one line without tabs.
put() { printf '%s\t%s\n' "$1" "$(printf '%s' "$2" | tr '\t\n' '  ')" >>"$TSV"; }
now() { date +%s.%N; }
# The first "name value" line of LOG whose name is NAME (awk reads a file: no pipe to close early).
value_of() { [ -f "$1" ] || return 0; awk -v n="$2" '$1 == n {print $2; exit}' "$1"; }
tsv_value() { awk -F'\t' -v n="$1" '$1 == n {print $2; exit}' "$TSV"; }

# ---- the time: fixed shares of the budget, in step order -----------------------------------------
# The shares of the default 470 s; GPU_CHECK_BUDGET_S scales them, and what rounding leaves goes to
# the timed group. Step i must end by START + the sum of the shares up to i, so a step can use the
# time its predecessors left (a skipped step's too) but never take a later step's.
STEPS=(setup paper_synth paper_gan cuda_tests bench_cuda_fp32 pytorch_cuda_fp32 bench_cuda_tf32
       pytorch_cuda_tf32 demo_synth demo_cuda demo_cpu sanitizer_memcheck sanitizer_synccheck pack)
SHARES=(15 15 115 60 20 35 20 35 10 60 35 25 15 10)
declare -A SHARE=() DEADLINE_OF=()
sum=0
for i in "${!STEPS[@]}"; do
  s=$((SHARES[i] * BUDGET / 470))
  [ "$s" -ge 1 ] || s=1
  SHARE[${STEPS[$i]}]=$s
  sum=$((sum + s))
done
SHARE[paper_gan]=$((SHARE[paper_gan] + BUDGET - sum))
cum=$START
for name in "${STEPS[@]}"; do
  cum=$((cum + SHARE[$name]))
  DEADLINE_OF[$name]=$cum
done
# timeout's grace before SIGKILL, taken out of each step's time so that a killed step still ends
# within its share.
KILL_S=3
left_for() { echo $((DEADLINE_OF[$1] - $(date +%s))); }
# bounded KEY MAX: a timeout for a short probe within KEY's time, at most MAX s (at least 1).
bounded() { local t=$(($(left_for "$1") - KILL_S)); [ "$t" -le "$2" ] || t=$2; [ "$t" -ge 1 ] || t=1; echo "$t"; }

# ---- loader failures -----------------------------------------------------------------------------
# glibc's loader says "PROG: error while loading shared libraries: LIB: cannot open shared object
# file" (or "version `GLIBC_x' not found"): that is a missing library, not a missing GPU.
declare -A LOADER_SEEN=()
LOADER_FAILURES=()
loader_failure() {
  [ -n "${LOADER_SEEN[$1]:-}" ] && return 0
  LOADER_SEEN[$1]=1
  LOADER_FAILURES+=("$1")
  put loader_failure "$1"
  note "loader failure: $1"
}
scan_loader() {  # scan_loader LOG
  local lib
  [ -f "$1" ] || return 0
  while IFS= read -r lib; do
    [ -n "$lib" ] && loader_failure "$lib"
  done < <(sed -n \
    -e 's/.*error while loading shared libraries: \([^:]*\): cannot open shared object file.*/\1/p' \
    -e "s/.*: version \`\\(GLIBC[^']*\\)' not found.*/glibc \\1/p" "$1")
}

# step KEY NAME LOG COMMAND...: runs COMMAND under `timeout` until KEY's deadline, its output into
# LOG; puts step_NAME (ok, exit N, timeout after T s, or skipped) and step_NAME_s. Sets STEP_RC (124
# when it timed out or was skipped for lack of time).
STEP_RC=0
step() {
  local key=$1 name=$2 log=$3 want t0 t1
  shift 3
  want=$(($(left_for "$key") - KILL_S))
  if [ "$want" -lt 2 ]; then
    put "step_$name" "skipped: out of time"
    note "$name: skipped, out of time"
    STEP_RC=124
    return 0
  fi
  note "$name (at most ${want}s; log ${log##*/})"
  t0=$(now)
  set +e
  timeout --kill-after=$KILL_S "$want" "$@" >"$log" 2>&1
  STEP_RC=$?
  set -e
  t1=$(now)
  put "step_${name}_s" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')"
  case $STEP_RC in
    0) put "step_$name" ok ;;
    124 | 137) put "step_$name" "timeout after ${want}s" ;;
    *) put "step_$name" "exit $STEP_RC" ;;
  esac
  scan_loader "$log"
}
skip() { put "step_$1" "skipped: $2"; note "$1: skipped, $2"; }

# ---- the end, however it comes: the logs packed into OUTDIR, the scratch folder removed ------------
PACKED=0
SRC_LINK_MADE=""
# A log over 4 MiB keeps its first 1 MiB and last 2 MiB (a sanitizer's or a crash's repetitions).
cap_logs() {
  local f size cap=$1
  for f in "$LOGS"/*; do
    [ -f "$f" ] || continue
    size=$(stat -c %s "$f")
    [ "$size" -gt $((cap * 1024)) ] || continue
    { head -c $((cap * 256)) "$f"; printf '\n[gpu-check: %d bytes cut here]\n' "$size"
      tail -c $((cap * 512)) "$f"; } >"$f.cut"
    mv -f "$f.cut" "$f"
  done
}
pack_logs() {
  [ "$PACKED" = 0 ] || return 0
  PACKED=1
  local cap
  for cap in 4096 1024 128; do
    cap_logs $cap
    tar -C "$SCRATCH" -czf "$ARCHIVE.tmp" gpu-check-logs 2>/dev/null || true
    [ -f "$ARCHIVE.tmp" ] && [ "$(stat -c %s "$ARCHIVE.tmp")" -le $((16 * 1024 * 1024)) ] && break
  done
  [ -f "$ARCHIVE.tmp" ] && mv -f "$ARCHIVE.tmp" "$ARCHIVE"
  rm -f "$ARCHIVE.tmp"
}
finish() {
  pack_logs
  cd /
  rm -rf "$SCRATCH"
  if [ -n "$SRC_LINK_MADE" ] && [ "$(readlink "$SRC_LINK_MADE" 2>/dev/null)" = "$ROOT" ]; then
    rm -f "$SRC_LINK_MADE"
  fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- setup: the GPU -------------------------------------------------------------------------------
t_setup=$(now)
GPU_NAME=none
HAVE_GPU=0
if command -v nvidia-smi >/dev/null; then
  query=name,driver_version,memory.total,compute_cap
  # compute_cap is a recent field: without it on older drivers.
  if ! timeout "$(bounded setup 10)" nvidia-smi --query-gpu=$query --format=csv,noheader,nounits >"$LOGS/nvidia-smi.csv" 2>&1; then
    query=name,driver_version,memory.total
    timeout "$(bounded setup 10)" nvidia-smi --query-gpu=$query --format=csv,noheader,nounits >"$LOGS/nvidia-smi.csv" 2>&1 || true
  fi
  timeout "$(bounded setup 10)" nvidia-smi >"$LOGS/nvidia-smi.log" 2>&1 || true
  line=""
  IFS= read -r line <"$LOGS/nvidia-smi.csv" || true
  IFS=, read -r name driver memory cc <<<"$line" || true
  name=$(sed 's/^ *//; s/ *$//' <<<"${name:-}")
  if [ -n "$name" ] && ! grep -qi 'fail\|error\|not found\|couldn' <<<"$line"; then
    GPU_NAME=$name
    HAVE_GPU=1
    put gpu "$GPU_NAME"
    put driver "$(tr -d ' ' <<<"$driver")"
    put gpu_memory_mib "$(tr -d ' ' <<<"$memory")"
    [ -n "${cc:-}" ] && put gpu_compute_capability "$(tr -d ' ' <<<"$cc")"
    put gpu_count "$(grep -c . "$LOGS/nvidia-smi.csv" || true)"
    cuda_driver=$(sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p' "$LOGS/nvidia-smi.log")
    [ -n "$cuda_driver" ] && put driver_cuda_version "${cuda_driver%%$'\n'*}"
  fi
fi
if [ $HAVE_GPU = 0 ]; then
  # nvidia-smi missing or failing (its own library, libnvidia-ml, may be what is missing): the
  # driver's /proc entries still say whether a GPU is there.
  model=""
  for info in /proc/driver/nvidia/gpus/*/information; do
    [ -r "$info" ] || continue
    model=$(sed -n 's/^Model:[[:space:]]*//p' "$info")
    [ -n "$model" ] && break
  done
  if [ -n "$model" ]; then
    GPU_NAME=$model HAVE_GPU=1
    put gpu "$GPU_NAME"
    put gpu_from "/proc/driver/nvidia (nvidia-smi did not answer: see nvidia_smi)"
  elif [ -f "$LOGS/nvidia-smi.csv" ] && grep -F 'error while loading shared libraries' "$LOGS/nvidia-smi.csv" >/dev/null; then
    # nvidia-smi could not start: whether there is a GPU is not known (loader_failure says why).
    GPU_NAME=unknown
    put gpu unknown
  else
    put gpu none
  fi
  if ! command -v nvidia-smi >/dev/null; then
    put nvidia_smi "not found"
  else
    put nvidia_smi "failed: $(grep -m1 . "$LOGS/nvidia-smi.csv" || echo 'no output')"
    scan_loader "$LOGS/nvidia-smi.csv"
  fi
fi
note "GPU: $GPU_NAME"
put gpu_check_budget_s "$BUDGET"
for name in "${STEPS[@]}"; do put "step_${name}_budget_s" "${SHARE[$name]}"; done

# ---- setup: the bundle and the libraries it finds ------------------------------------------------
put bundle "$(sed -n 's/^name //p' "$ROOT/BUILDINFO" 2>/dev/null || echo unknown)"
put glibc_required "$(sed -n 's/^glibc_required //p' "$ROOT/BUILDINFO" 2>/dev/null || echo unknown)"
put glibc_node "$(getconf GNU_LIBC_VERSION 2>/dev/null | sed 's/^glibc //' || echo unknown)"
set +e
timeout "$(bounded setup 10)" "$BIN/emoaug" info >"$LOGS/emoaug-info.log" 2>&1
info_rc=$?
set -e
scan_loader "$LOGS/emoaug-info.log"
info_line=$(grep -m1 '^emoaug ' "$LOGS/emoaug-info.log" || true)
put emoaug_info "${info_line:-failed (exit $info_rc): $(grep . "$LOGS/emoaug-info.log" | tail -1 || true)}"
cuda_line=$(sed -n 's/^cuda backend: //p' "$LOGS/emoaug-info.log")
put cuda_backend "${cuda_line:-unknown (emoaug info failed: see loader_failure and emoaug-info.log)}"
# "library NAME: /abs/path (version)" or "library NAME: not found (looked in: ...)", one per
# runtime library that emoaug loads when it needs it.
declare -A LIB=()
while IFS=$'\t' read -r lib value; do
  case $value in "not found"*) value=missing ;; esac
  LIB[$lib]=$value
  put "lib_$lib" "$value"
done < <(sed -n 's/^library \([A-Za-z0-9_.-]*\): \(.*\)$/\1\t\2/p' "$LOGS/emoaug-info.log")
# A GPU that cuBLAS or the driver's libcuda cannot reach is a library problem, not a missing GPU.
if [ $HAVE_GPU = 1 ]; then
  for lib in cublas cublasLt cuda-driver; do
    [ "${LIB[$lib]:-}" = missing ] && loader_failure "$lib"
  done
fi
GPU_OK=0
case $cuda_line in "built, a device is available"*) GPU_OK=1 ;; esac
if [ ${#LOADER_FAILURES[@]} -gt 0 ]; then
  NO_GPU="loader failure: ${LOADER_FAILURES[*]} (see loader_failure)"
elif [ $HAVE_GPU = 1 ]; then
  NO_GPU="emoaug cannot use the GPU (cuda_backend says why)"
else
  NO_GPU="no GPU (nvidia_smi says why)"
fi
CPUS=$(nproc 2>/dev/null || echo 1)
THREADS=$((CPUS < 8 ? CPUS : 8))

# The test binary reads tests/reference/reference.h5 from the source folder compiled into it: a
# path under /tmp that bundle.sh records, made here a link to this bundle, which carries the file.
src_dir=$(sed -n 's/^source_dir_compiled_in //p' "$ROOT/BUILDINFO" 2>/dev/null || true)
if [ -n "$src_dir" ]; then
  if [ ! -e "$src_dir/tests/reference/reference.h5" ]; then
    if { [ ! -L "$src_dir" ] || rm -f "$src_dir"; } 2>/dev/null && ln -sn "$ROOT" "$src_dir" 2>/dev/null; then
      SRC_LINK_MADE=$src_dir
    fi
  fi
  if [ -e "$src_dir/tests/reference/reference.h5" ]; then
    put test_fixtures "$src_dir -> $(readlink -f "$src_dir")"
  else
    put test_fixtures "missing: cannot link $src_dir to this bundle (the CudaReference tests fail)"
  fi
fi
put step_setup_s "$(awk -v a="$t_setup" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}')"
put step_setup ok

# ---- one paper-shape CycleGAN group, timed --------------------------------------------------------
PAPER_DATA=$SCRATCH/paper-data
threads_for() { [ "$1" = cpu ] && echo "-s experiment.threads=$THREADS" || true; }
# gan_run P A: the group for P pretraining and A adversarial epochs, into the scratch folder, with
# no checkpoints before the end (gan.checkpoint_every = 0): their writes are not what is timed.
gan_run() {
  local dir=$SCRATCH/paper-gan-$1-$2
  rm -rf "$dir"
  GAN_LOG=$LOGS/paper-gan-$1-$2.log
  # Each line with the time it arrived: the log's own per-epoch figure (four decimals) averages the
  # whole phase, its first (warm-up) epoch included.
  # shellcheck disable=SC2016,SC2046
  step paper_gan "paper_gan_$1_$2" "$GAN_LOG" bash -c 'set -o pipefail; "$@" 2>&1 |
      while IFS= read -r l; do printf "%s %s\n" "$(date +%s.%N)" "$l"; done' _ \
    "$BIN/emoaug" run "$ROOT/configs/paper.toml" \
    -s "data.target=$PAPER_DATA/target.h5" -s "data.source=$PAPER_DATA/source.h5" \
    -s "data.cross=$PAPER_DATA/cross.h5" -s 'ser.settings=["syn"]' -s 'gan.lambda_cls=[2.0]' \
    -s gan.per_fold=false -s "gan.pretrain.epochs=$1" -s "gan.epochs=$2" -s ser.repetitions=1 \
    -s gan.checkpoint_every=0 -s ser.cross_corpus=false -s 'gan.stats_features=[]' \
    -s "experiment.backend=$GAN_BACKEND" -s "experiment.output=$dir" \
    $(threads_for "$GAN_BACKEND") --no-report
  rm -rf "$dir"
}
# gan_times LOG P A: "p a method_p method_a group_s" from the stamped progress lines. A phase's
# seconds per epoch come from the clock between its first and last progress lines (emoaug prints
# one at most every 10 s, and the first pretraining one after epoch 1, so warm-up is left out);
# a phase with a single line falls back to that line's own average (2 decimals).
gan_times() {
  [ -f "$1" ] || { echo incomplete; return 0; }
  awk -v P="$2" -v A="$3" '
    NR == 1 { t_start = $1 }
    / pretrain [0-9]+\/[0-9]+ / {
      for (i = 1; i <= NF; i++) if ($i == "pretrain") split($(i + 1), e, "/")
      if (!np++) { pt0 = $1; pk0 = e[1] }
      pt1 = $1; pk1 = e[1]; pavg = avg($0)
    }
    / epoch [0-9]+\/[0-9]+ / {
      for (i = 1; i <= NF; i++) if ($i == "epoch") split($(i + 1), e, "/")
      if (!na++) { at0 = $1; ak0 = e[1] }
      at1 = $1; ak1 = e[1]; aavg = avg($0); t_end = $1
    }
    function avg(line,   m) {
      if (match(line, /[0-9.]+s\/epoch/)) return substr(line, RSTART, RLENGTH - 7) + 0
      return -1
    }
    END {
      if (pk1 > pk0) { p = (pt1 - pt0) / (pk1 - pk0); mp = "timestamps" } else { p = pavg; mp = "log_average" }
      if (ak1 > ak0) { a = (at1 - at0) / (ak1 - ak0); ma = "timestamps" } else { a = aavg; ma = "log_average" }
      if (!np || !na || ak1 != A) { print "incomplete"; exit }
      printf "%.5f %.5f %s %s %.1f\n", p, a, mp, ma, t_end - t_start
    }' "$1"
}
if [ $GPU_OK = 0 ] && [ "$GAN_BACKEND" = cuda ]; then
  skip paper_synth "$NO_GPU"
  skip paper_gan "$NO_GPU"
else
  step paper_synth paper_synth "$LOGS/paper-synth.log" "$BIN/emoaug" synth -o "$PAPER_DATA" \
    --dims 1582 --rows 2000 --source-rows 1000
  P=$P_EPOCHS A=$A_EPOCHS
  if [ "$STEP_RC" = 0 ]; then
    gan_run "$P_EPOCHS" "$A_EPOCHS"
    times=$(gan_times "$GAN_LOG" "$P_EPOCHS" "$A_EPOCHS")
  else
    skip "paper_gan_${P}_$A" "no data: step_paper_synth did not finish"
    GAN_LOG=$LOGS/paper-gan-$P-$A.log times=incomplete
  fi
  # A phase too short for two progress lines has only the log's average, warm-up included: run it
  # again for about 15 s per phase (at most the paper's epochs), when the group's share allows it.
  if [ "$times" != incomplete ] && grep -q log_average <<<"$times"; then
    read -r p a _ _ group <<<"$times"
    P2=$(awk -v p="$p" -v P="$P" 'BEGIN {n = int(15 / (p > 0.002 ? p : 0.002)) + 1; if (n < P) n = P; if (n > 10000) n = 10000; print n}')
    A2=$(awk -v a="$a" -v A="$A" 'BEGIN {n = int(15 / (a > 0.005 ? a : 0.005)) + 1; if (n < A) n = A; if (n > 2000) n = 2000; print n}')
    # The first try's time beyond its epochs (start, data, SER) comes again, plus a margin.
    need=$(awk -v p="$p" -v a="$a" -v P="$P2" -v A="$A2" -v g="$group" -v P1="$P" -v A1="$A" \
      'BEGIN {pp = p > 0.002 ? p : 0.002; aa = a > 0.005 ? a : 0.005
              over = g - P1 * pp - A1 * aa; if (over < 5) over = 5
              printf "%d", 1.3 * (P * pp + A * aa) + over + 10}')
    if [ "$(left_for paper_gan)" -gt $((need + KILL_S)) ]; then
      note "paper_gan: a phase was shorter than the log's 10 s clock; again with $P2 + $A2 epochs"
      put gan_first_try "$P + $A epochs: $times"
      gan_run "$P2" "$A2"
      times2=$(gan_times "$GAN_LOG" "$P2" "$A2")
      if [ "$times2" != incomplete ]; then times=$times2 P=$P2 A=$A2; fi
    else
      put gan_note "phases under 10 s, no time left in the share to rerun them longer: per-epoch times have 2 decimals"
    fi
  fi
  put gan_backend "$GAN_BACKEND"
  put gan_pretrain_epochs "$P"
  put gan_epochs "$A"
  if [ "$times" = incomplete ]; then
    # The group's last word when it said one, else how its step ended.
    last=$(grep -v '\[emoaug\]' "$GAN_LOG" 2>/dev/null | grep . | tail -1 | cut -d' ' -f2- || true)
    put gan_error "${last:-step_paper_gan_${P}_$A: $(tsv_value "step_paper_gan_${P}_$A")}"
  else
    read -r p a mp ma group <<<"$times"
    put gan_pretrain_s_per_epoch "$p"
    put gan_adversarial_s_per_epoch "$a"
    put gan_s_per_epoch_from "pretrain $mp, adversarial $ma"
    put gan_group_training_s "$group"
    # The paper: 2 λcls x 5 folds, 10k pretraining + 2k adversarial epochs per group (λcls = 2's
    # group has the classifier C, so this is the upper of the two).
    hours=$(awk -v p="$p" -v a="$a" 'BEGIN {printf "%.3f", 2 * 5 * (10000 * p + 2000 * a) / 3600}')
    put projected_paper_hours "$hours"
    put projected_paper_under_1h "$(awk -v h="$hours" 'BEGIN {print (h < 1) ? 1 : 0}')"
  fi
  rm -rf "$PAPER_DATA"
fi

# ---- the CUDA unit tests --------------------------------------------------------------------------
step cuda_tests cuda_tests "$LOGS/cuda-tests.log" "$BIN/emoaug_tests" --gtest_filter='Cuda*' --gtest_color=no
# gtest prints one "[       OK ] / [  FAILED  ] / [  SKIPPED ] Suite.Name (N ms)" line per test.
count() { grep -Ec "^\[ *$1 *\] [^ ]+ \([0-9]+ ms\)\$" "$2" || true; }
put cuda_tests_passed "$(count OK "$LOGS/cuda-tests.log")"
put cuda_tests_failed "$(count FAILED "$LOGS/cuda-tests.log")"
put cuda_tests_skipped "$(count SKIPPED "$LOGS/cuda-tests.log")"
if [ "$STEP_RC" -ne 0 ] && [ "$(count FAILED "$LOGS/cuda-tests.log")" = 0 ]; then
  put cuda_tests_note "the test binary ended with exit $STEP_RC before its summary (crash, timeout or loader)"
fi
failed=$(grep -E '^\[  FAILED  \] [^ ]+ \([0-9]+ ms\)$' "$LOGS/cuda-tests.log" | awk '{print $4}' | tr '\n' ' ' || true)
[ -n "$failed" ] && put cuda_tests_failed_names "$failed"

# ---- bench_cuda_step beside PyTorch eager ----------------------------------------------------------
# The node's own python3 with PyTorch, started outside the bundle's environment (the wrappers set
# it only for the bundle's programs).
PYTHON=""
torch_note="no python3 that imports torch (GPU_CHECK_PYTHON names one)"
# Which python3 imports torch, asked within the FP32 comparison's time.
find_torch() {
  local py
  for py in ${GPU_CHECK_PYTHON:-} python3 /usr/bin/python3; do
    command -v "$py" >/dev/null 2>&1 || continue
    if timeout "$(bounded pytorch_cuda_fp32 30)" "$py" -c 'import torch' >/dev/null 2>&1; then
      PYTHON=$py
      break
    fi
  done
  if [ -n "$PYTHON" ]; then
    put pytorch "$(timeout "$(bounded pytorch_cuda_fp32 30)" "$PYTHON" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda, "available" if torch.cuda.is_available() else "no device")' 2>&1 | tail -1 || true) ($PYTHON)"
  else
    put pytorch "skipped: $torch_note"
  fi
}
for mode in fp32 tf32; do
  flag=()
  [ $mode = tf32 ] && flag=(--tf32)
  log=$LOGS/bench-cuda-$mode.log
  plog=$LOGS/pytorch-cuda-$mode.log
  if [ $GPU_OK = 1 ]; then
    step bench_cuda_$mode bench_cuda_$mode "$log" "$BIN/bench_cuda_step" "${flag[@]}"
    for k in cyclegan_it_per_s cyclegan_ms_per_it cyclegan_tflops cublas_sgemm_4096_tflops cyclegan_roofline_fraction; do
      v=$(value_of "$log" $k)
      [ -n "$v" ] && put "emoaug_${mode}_$k" "$v"
    done
  else
    skip bench_cuda_$mode "$NO_GPU"
  fi
  [ $GPU_OK = 1 ] && [ $mode = fp32 ] && find_torch
  if [ $GPU_OK = 0 ]; then
    skip pytorch_cuda_$mode "$NO_GPU"
  elif [ -z "$PYTHON" ]; then
    skip pytorch_cuda_$mode "$torch_note"
  else
    step pytorch_cuda_$mode pytorch_cuda_$mode "$plog" "$PYTHON" "$ROOT/bench/pytorch_cyclegan_step.py" --device cuda "${flag[@]}"
    for k in cyclegan_it_per_s_pytorch cyclegan_ms_per_it_pytorch; do
      v=$(value_of "$plog" $k)
      [ -n "$v" ] && put "pytorch_${mode}_$k" "$v"
    done
  fi
  ours=$(value_of "$log" cyclegan_it_per_s)
  theirs=$(value_of "$plog" cyclegan_it_per_s_pytorch)
  if [ -n "$ours" ] && [ -n "$theirs" ]; then
    ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN {if (b > 0) printf "%.2f", a / b}')
    put "speedup_vs_pytorch_$mode" "$ratio"
    [ $mode = fp32 ] && put speedup_vs_pytorch_fp32_at_least_5 "$(awk -v r="$ratio" 'BEGIN {print (r >= 5) ? 1 : 0}')"
  fi
done

# ---- the demo on the GPU and on the CPU ------------------------------------------------------------
DEMO_DATA=$SCRATCH/demo-data
step demo_synth demo_synth "$LOGS/demo-synth.log" "$BIN/emoaug" synth -o "$DEMO_DATA"
demo() {  # demo BACKEND: the demo into the scratch folder, without report.md (no figures)
  local dir=$SCRATCH/demo-$1
  rm -rf "$dir"
  # shellcheck disable=SC2046
  step "demo_$1" "demo_$1" "$LOGS/demo-$1.log" "$BIN/emoaug" run "$ROOT/configs/demo.toml" \
    -s "data.target=$DEMO_DATA/target.h5" -s "data.source=$DEMO_DATA/source.h5" \
    -s "data.cross=$DEMO_DATA/cross.h5" -s "experiment.output=$dir" -s gan.checkpoint_every=0 \
    -s "experiment.backend=$1" $(threads_for "$1") --no-report
  [ -f "$dir/summary.csv" ] && cp "$dir/summary.csv" "$LOGS/demo-$1-summary.csv"
  return 0
}
# The GPU run first: without a device it is refused at once, and the CPU run is only needed for
# the comparison.
demo cuda
if [ "$STEP_RC" -ne 0 ]; then
  put demo_cuda_error "$(grep -v '^\[emoaug\] ' "$LOGS/demo-cuda.log" | grep . | tail -1 || true)"
  skip demo_cpu "the CUDA demo did not finish, nothing to compare"
else
  demo cpu
  if [ "$STEP_RC" -eq 0 ]; then
    set +e
    compare_summaries "$LOGS/demo-cpu-summary.csv" "$LOGS/demo-cuda-summary.csv" >"$LOGS/demo-compare.txt" 2>&1
    agree=$?
    set -e
    rows="" within="" worst=""
    read -r _ rows _ within _ worst < <(tail -1 "$LOGS/demo-compare.txt") || true
    put demo_rows "${rows:-0}"
    put demo_rows_within_spread "${within:-0}"
    put demo_max_abs_uar_diff "${worst:-nan}"
    put demo_uar_agree "$([ $agree = 0 ] && echo 1 || echo 0)"
  fi
fi
rm -rf "$SCRATCH/demo-cuda" "$SCRATCH/demo-cpu" "$DEMO_DATA"

# ---- the op and group tests under compute-sanitizer -------------------------------------------------
SANITIZER=$(command -v compute-sanitizer 2>/dev/null || true)
if [ -z "$SANITIZER" ]; then
  # The toolkit the wrappers found, then the usual places.
  cuda_lib=$(env EMOAUG_BUNDLE="$ROOT" sh -c '. "$EMOAUG_BUNDLE/libexec/bundle-env.sh"; printf %s "$EMOAUG_BUNDLE_CUDA_LIB"' 2>/dev/null || true)
  for dir in ${cuda_lib:+"$cuda_lib/../bin" "$cuda_lib/../../../bin"} ${CUDA_HOME:+"$CUDA_HOME/bin"} \
      ${CUDA_PATH:+"$CUDA_PATH/bin"} /usr/local/cuda/bin /usr/local/cuda-13/bin /usr/local/cuda-13.*/bin; do
    for cand in "$dir/compute-sanitizer" "$dir/../compute-sanitizer/compute-sanitizer"; do
      if [ -x "$cand" ]; then SANITIZER=$(readlink -f "$cand"); break 2; fi
    done
  done
fi
SANITIZER_FILTER='CudaOps.*:CudaGan.*'
for tool in memcheck synccheck; do
  if [ $GPU_OK = 0 ]; then
    skip sanitizer_$tool "$NO_GPU"
  elif [ -z "$SANITIZER" ]; then
    skip sanitizer_$tool "compute-sanitizer not found (PATH, the CUDA toolkit's bin)"
  else
    slog=$LOGS/sanitizer-$tool.log
    # The test binary itself (not its wrapper script) under the bundle's environment.
    step sanitizer_$tool sanitizer_$tool "$slog" env EMOAUG_BUNDLE="$ROOT" sh -c \
      '. "$EMOAUG_BUNDLE/libexec/bundle-env.sh"; exec "$@"' _ "$SANITIZER" --tool "$tool" \
      "$ROOT/libexec/emoaug_tests" --gtest_filter="$SANITIZER_FILTER" --gtest_color=no
    errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9][0-9]*\) error.*/\1/p' "$slog" | tail -1)
    put sanitizer_${tool}_errors "${errors:-unknown (no ERROR SUMMARY in the log)}"
    put sanitizer_${tool}_tests "passed $(count OK "$slog") failed $(count FAILED "$slog")"
  fi
done
[ -n "$SANITIZER" ] && put sanitizer "$SANITIZER ($SANITIZER_FILTER)"

# ---- the end: the logs packed, the page written ------------------------------------------------------
t_pack=$(now)
pack_logs
put step_pack_s "$(awk -v a="$t_pack" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}')"
put step_pack "$([ -f "$ARCHIVE" ] && echo ok || echo 'failed: no logs.tar.gz')"
put gpu_check_s "$(($(date +%s) - START))"

# gpu-check.md: what a person reads first.
{
  echo "# gpu-check: $GPU_NAME"
  echo
  echo "$(tsv_value bundle) on $(hostname 2>/dev/null || echo '?'), $(date -u +%Y-%m-%dT%H:%M:%SZ);" \
    "$(tsv_value gpu_check_s) s of a $BUDGET s budget."
  echo
  if [ ${#LOADER_FAILURES[@]} -gt 0 ]; then
    echo "**Loader failure** (a library was not found; this is not a missing GPU): ${LOADER_FAILURES[*]}."
    echo
  fi
  echo "| | |"
  echo "|---|---|"
  for k in gpu driver gpu_memory_mib gpu_compute_capability driver_cuda_version cuda_backend \
      lib_cublas lib_cublasLt lib_nccl lib_cuda-driver glibc_node glibc_required pytorch; do
    v=$(tsv_value "$k")
    [ -n "$v" ] && echo "| $k | $v |"
  done
  echo
  echo "| step | status | s | budget s |"
  echo "|---|---|---|---|"
  # Every step line in TSV order (paper_gan may have run twice), each budget once.
  awk -F'\t' '
    $1 ~ /^step_.*_budget_s$/ { b = substr($1, 6, length($1) - 14); budget[b] = $2; next }
    $1 ~ /^step_.*_s$/ { s[substr($1, 6, length($1) - 7)] = $2; next }
    $1 ~ /^step_/ { n = substr($1, 6); order[++k] = n; status[n] = $2 }
    END {
      for (i = 1; i <= k; i++) {
        n = order[i]; key = n
        if (n ~ /^paper_gan_/) key = "paper_gan"
        printf "| %s | %s | %s | %s |\n", n, status[n], (n in s) ? s[n] : "", (key in budget && !shown[key]++) ? budget[key] : ""
      }
    }' "$TSV"
  echo
  echo "Key figures:"
  echo
  for k in projected_paper_hours gan_pretrain_s_per_epoch gan_adversarial_s_per_epoch gan_s_per_epoch_from \
      cuda_tests_passed cuda_tests_failed cuda_tests_skipped cuda_tests_failed_names \
      emoaug_fp32_cyclegan_it_per_s pytorch_fp32_cyclegan_it_per_s_pytorch speedup_vs_pytorch_fp32 \
      emoaug_tf32_cyclegan_it_per_s pytorch_tf32_cyclegan_it_per_s_pytorch speedup_vs_pytorch_tf32 \
      demo_uar_agree demo_max_abs_uar_diff demo_cuda_error gan_error \
      sanitizer_memcheck_errors sanitizer_synccheck_errors; do
    v=$(tsv_value "$k")
    [ -n "$v" ] && echo "- $k: $v"
  done
  echo
  echo "All figures: gpu-check.tsv; every log: logs.tar.gz (docs/cuda.md, \"Portable bundle\")."
} >"$MD"

note "done in $(($(date +%s) - START)) s: $TSV, $MD, $ARCHIVE"
cat "$TSV"
exit 0
