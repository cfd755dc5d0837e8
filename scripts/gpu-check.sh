#!/usr/bin/env bash
# Checks a GPU node with the portable bundle (scripts/bundle.sh) in one call, in at most 8 minutes:
#   <bundle>/gpu-check.sh OUTDIR
#  1. nvidia-smi: the GPU's name, driver, memory
#  2. the CUDA unit tests (bin/emoaug_tests --gtest_filter='Cuda*'): passed / failed / skipped
#  3. bench_cuda_step in FP32 and TF32 beside bench/pytorch_cyclegan_step.py on the same GPU (the
#     node's own python3 with PyTorch, when one imports), and their ratio per math mode
#  4. the demo (emoaug synth data, configs/demo.toml) on the GPU and on the CPU: each summary.csv
#     UAR row within the repetitions' spread, |mean_cuda - mean_cpu| <= max(2 std, 2 points)
#  5. one paper-shape CycleGAN group (d = 1582, 4 emotions, one λcls) for a fixed number of epochs,
#     timed per phase, and the paper-scale run projected from it (projected_paper_hours)
# It writes OUTDIR/gpu-check.tsv ("name<TAB>value" lines, the GPU's name first) and every step's
# log into OUTDIR. A failing test, a refused backend or a missed target is data in the TSV, not an
# error: the exit status is 0 whenever every step ran (or was skipped, with the reason in the TSV),
# 2 on wrong usage. Without a GPU the GPU steps are skipped and say so.
#
# Environment:
#   GPU_CHECK_BUDGET_S=480                 the whole check's time; each step runs under `timeout`
#   GPU_CHECK_PRETRAIN_EPOCHS=20 GPU_CHECK_EPOCHS=20   the timed CycleGAN group's epochs; when a
#                                          phase runs under 10 s (too short for the log's
#                                          per-epoch clock), it is run again, longer, if time allows
#   GPU_CHECK_GAN_BACKEND=cuda             cpu times that group on the CPU instead (slow: minutes)
#   GPU_CHECK_PYTHON=python3               the python3 with PyTorch (default: the first of python3
#                                          on PATH and /usr/bin/python3 that imports torch)
# Also: gpu-check.sh --compare-summaries CPU.csv CUDA.csv prints the demo comparison of two
# summary.csv files (step 4's rule) and exits 0 when every row agrees, 1 otherwise.
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
  sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd -P)
[ -x "$ROOT/bin/emoaug" ] ||
  { echo "gpu-check: $ROOT/bin/emoaug not found: run gpu-check.sh from an unpacked bundle (scripts/bundle.sh)" >&2; exit 2; }
mkdir -p "$1"
OUT=$(cd "$1" && pwd -P)
cd "$OUT"  # whatever a step leaves in its working folder lands with the logs
BIN=$ROOT/bin
TSV=$OUT/gpu-check.tsv
START=$(date +%s)
BUDGET=${GPU_CHECK_BUDGET_S:-480}
DEADLINE=$((START + BUDGET))
P_EPOCHS=${GPU_CHECK_PRETRAIN_EPOCHS:-20}
A_EPOCHS=${GPU_CHECK_EPOCHS:-20}
GAN_BACKEND=${GPU_CHECK_GAN_BACKEND:-cuda}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1  # containers run as root
: >"$TSV"

note() { echo "gpu-check: $*"; }
put() { printf '%s\t%s\n' "$1" "$2" >>"$TSV"; }  # one "name value" line of the TSV
now() { date +%s.%N; }

# step NAME WANT_S LOG COMMAND...: runs COMMAND under `timeout` for at most WANT_S seconds and what
# is left of the budget, its output into LOG; puts step_NAME (ok, exit N, timeout after T s, or
# skipped) and step_NAME_s. Sets STEP_RC (124 when it timed out or was skipped for lack of time).
STEP_RC=0
step() {
  local name=$1 want=$2 log=$3 left t0 t1
  shift 3
  left=$((DEADLINE - $(date +%s) - 5))
  [ "$want" -lt "$left" ] || want=$left
  if [ "$want" -lt 5 ]; then
    put "step_$name" "skipped: out of time"
    note "$name: skipped, out of time"
    STEP_RC=124
    return 0
  fi
  note "$name (at most ${want}s; log $log)"
  t0=$(now)
  set +e
  timeout --kill-after=10 "$want" "$@" >"$log" 2>&1
  STEP_RC=$?
  set -e
  t1=$(now)
  put "step_${name}_s" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')"
  case $STEP_RC in
    0) put "step_$name" ok ;;
    124 | 137) put "step_$name" "timeout after ${want}s" ;;
    *) put "step_$name" "exit $STEP_RC" ;;
  esac
}
skip() { put "step_$1" "skipped: $2"; note "$1: skipped, $2"; }
# The first "name value" line of LOG whose name is NAME.
value_of() { [ -f "$1" ] || return 0; awk -v n="$2" '$1 == n {print $2; exit}' "$1"; }

# ---- 1. the GPU -----------------------------------------------------------------------------------
GPU_NAME=none
if command -v nvidia-smi >/dev/null; then
  query=name,driver_version,memory.total,compute_cap
  # compute_cap is a recent field: without it on older drivers.
  if ! timeout 30 nvidia-smi --query-gpu=$query --format=csv,noheader,nounits >"$OUT/nvidia-smi.csv" 2>/dev/null; then
    query=name,driver_version,memory.total
    timeout 30 nvidia-smi --query-gpu=$query --format=csv,noheader,nounits >"$OUT/nvidia-smi.csv" 2>&1 || true
  fi
  timeout 30 nvidia-smi >"$OUT/nvidia-smi.log" 2>&1 || true
  line=$(head -1 "$OUT/nvidia-smi.csv")
  IFS=, read -r name driver memory cc <<<"$line" || true
  name=$(echo "${name:-}" | sed 's/^ *//; s/ *$//')
  if [ -n "$name" ] && ! grep -qi 'fail\|error\|not found' <<<"$line"; then
    GPU_NAME=$name
    put gpu "$GPU_NAME"
    put driver "$(echo "$driver" | tr -d ' ')"
    put gpu_memory_mib "$(echo "$memory" | tr -d ' ')"
    [ -n "${cc:-}" ] && put gpu_compute_capability "$(echo "$cc" | tr -d ' ')"
    put gpu_count "$(grep -c . "$OUT/nvidia-smi.csv")"
    cuda_driver=$(sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p' "$OUT/nvidia-smi.log" | head -1)
    [ -n "$cuda_driver" ] && put driver_cuda_version "$cuda_driver"
  else
    put gpu none
    put nvidia_smi "failed: $(head -1 "$OUT/nvidia-smi.csv")"
  fi
else
  put gpu none
  put nvidia_smi "not found"
fi
note "GPU: $GPU_NAME"

# ---- the bundle -----------------------------------------------------------------------------------
put bundle "$(sed -n 's/^name //p' "$ROOT/BUILDINFO" 2>/dev/null || echo unknown)"
timeout 60 "$BIN/emoaug" info >"$OUT/emoaug-info.log" 2>&1 || true
put emoaug_info "$(head -1 "$OUT/emoaug-info.log")"
cuda_line=$(sed -n 's/^cuda backend: //p' "$OUT/emoaug-info.log")
put cuda_backend "${cuda_line:-unknown (see emoaug-info.log)}"
GPU_OK=0
[ "$cuda_line" = "built, a device is available" ] && GPU_OK=1
NO_GPU="no usable GPU (cuda_backend says why)"
CPUS=$(nproc 2>/dev/null || echo 1)
THREADS=$((CPUS < 8 ? CPUS : 8))

# ---- 2. the CUDA unit tests -----------------------------------------------------------------------
# The test binary reads tests/reference/reference.h5 from the source folder compiled into it: a
# path under /tmp that bundle.sh records, made here a link to this bundle, which carries the file.
src_dir=$(sed -n 's/^source_dir_compiled_in //p' "$ROOT/BUILDINFO" 2>/dev/null || true)
if [ -n "$src_dir" ]; then
  if [ ! -e "$src_dir/tests/reference/reference.h5" ]; then
    { [ -L "$src_dir" ] && rm -f "$src_dir"; ln -sfn "$ROOT" "$src_dir"; } 2>/dev/null || true
  fi
  if [ -e "$src_dir/tests/reference/reference.h5" ]; then
    put test_fixtures "$src_dir -> $(readlink -f "$src_dir")"
  else
    put test_fixtures "missing: cannot link $src_dir to this bundle (the CudaReference tests fail)"
  fi
fi
step cuda_tests 180 "$OUT/cuda-tests.log" "$BIN/emoaug_tests" --gtest_filter='Cuda*' --gtest_color=no
# gtest prints one "[       OK ] / [  FAILED  ] / [  SKIPPED ] Suite.Name (N ms)" line per test.
count() { grep -Ec "^\[ *$1 *\] [^ ]+ \([0-9]+ ms\)\$" "$OUT/cuda-tests.log" || true; }
put cuda_tests_passed "$(count OK)"
put cuda_tests_failed "$(count FAILED)"
put cuda_tests_skipped "$(count SKIPPED)"
if [ "$STEP_RC" -ne 0 ] && [ "$(count FAILED)" = 0 ]; then
  put cuda_tests_note "the test binary ended with exit $STEP_RC before its summary (crash or timeout)"
fi
failed=$(grep -E '^\[  FAILED  \] [^ ]+ \([0-9]+ ms\)$' "$OUT/cuda-tests.log" | awk '{print $4}' | tr '\n' ' ' || true)
[ -n "$failed" ] && put cuda_tests_failed_names "$failed"

# ---- 3. bench_cuda_step beside PyTorch eager ------------------------------------------------------
# The node's own python3 with PyTorch, started outside the bundle's environment (the wrappers set
# it only for the bundle's programs).
PYTHON=""
torch_note="no python3 that imports torch (GPU_CHECK_PYTHON names one)"
for py in ${GPU_CHECK_PYTHON:-} python3 /usr/bin/python3; do
  command -v "$py" >/dev/null 2>&1 || continue
  if timeout 60 "$py" -c 'import torch' >/dev/null 2>&1; then
    PYTHON=$py
    break
  fi
done
if [ -n "$PYTHON" ]; then
  put pytorch "$(timeout 60 "$PYTHON" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda, "available" if torch.cuda.is_available() else "no device")' 2>&1 | tail -1) ($PYTHON)"
else
  put pytorch "skipped: $torch_note"
fi
for mode in fp32 tf32; do
  flag=()
  [ $mode = tf32 ] && flag=(--tf32)
  log=$OUT/bench-cuda-$mode.log
  if [ $GPU_OK = 1 ]; then
    step bench_cuda_$mode 90 "$log" "$BIN/bench_cuda_step" "${flag[@]}"
    for k in cyclegan_it_per_s cyclegan_ms_per_it cyclegan_tflops cublas_sgemm_4096_tflops cyclegan_roofline_fraction; do
      v=$(value_of "$log" $k)
      [ -n "$v" ] && put "emoaug_${mode}_$k" "$v"
    done
  else
    skip bench_cuda_$mode "$NO_GPU"
  fi
  plog=$OUT/pytorch-cuda-$mode.log
  if [ $GPU_OK = 0 ]; then
    skip pytorch_cuda_$mode "$NO_GPU"
  elif [ -z "$PYTHON" ]; then
    skip pytorch_cuda_$mode "$torch_note"
  else
    step pytorch_cuda_$mode 150 "$plog" "$PYTHON" "$ROOT/bench/pytorch_cyclegan_step.py" --device cuda "${flag[@]}"
    for k in cyclegan_it_per_s_pytorch cyclegan_ms_per_it_pytorch; do
      v=$(value_of "$plog" $k)
      [ -n "$v" ] && put "pytorch_${mode}_$k" "$v"
    done
  fi
  ours=$(value_of "$log" cyclegan_it_per_s 2>/dev/null || true)
  theirs=$(value_of "$plog" cyclegan_it_per_s_pytorch 2>/dev/null || true)
  if [ -n "$ours" ] && [ -n "$theirs" ]; then
    ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN {if (b > 0) printf "%.2f", a / b}')
    put "speedup_vs_pytorch_$mode" "$ratio"
    [ $mode = fp32 ] && put speedup_vs_pytorch_fp32_at_least_5 "$(awk -v r="$ratio" 'BEGIN {print (r >= 5) ? 1 : 0}')"
  fi
done

# ---- 4. the demo on the GPU and on the CPU --------------------------------------------------------
DEMO_DATA=$OUT/demo-data
step demo_synth 60 "$OUT/demo-synth.log" "$BIN/emoaug" synth -o "$DEMO_DATA"
# CPU runs use up to 8 threads (the same bytes for any thread count); GPU runs keep the config's.
threads_for() { [ "$1" = cpu ] && echo "-s experiment.threads=$THREADS" || true; }
demo() {  # demo BACKEND TIMEOUT: the demo into OUT/demo-BACKEND, without report.md (no figures)
  rm -rf "$OUT/demo-$1"
  # shellcheck disable=SC2046
  step "demo_$1" "$2" "$OUT/demo-$1.log" "$BIN/emoaug" run "$ROOT/configs/demo.toml" \
    -s "data.target=$DEMO_DATA/target.h5" -s "data.source=$DEMO_DATA/source.h5" \
    -s "data.cross=$DEMO_DATA/cross.h5" -s "experiment.output=$OUT/demo-$1" \
    -s "experiment.backend=$1" $(threads_for "$1") --no-report
}
# The GPU run first: without a device it is refused at once, and the CPU run is only needed for
# the comparison.
demo cuda 200
if [ "$STEP_RC" -ne 0 ]; then
  put demo_cuda_error "$(grep -v '^\[emoaug\] ' "$OUT/demo-cuda.log" | grep . | tail -1)"
  skip demo_cpu "the CUDA demo did not finish, nothing to compare"
else
  demo cpu 240
  if [ "$STEP_RC" -eq 0 ]; then
    set +e
    compare_summaries "$OUT/demo-cpu/summary.csv" "$OUT/demo-cuda/summary.csv" >"$OUT/demo-compare.txt" 2>&1
    agree=$?
    set -e
    read -r _ rows _ within _ worst < <(tail -1 "$OUT/demo-compare.txt") || true
    put demo_rows "${rows:-0}"
    put demo_rows_within_spread "${within:-0}"
    put demo_max_abs_uar_diff "${worst:-nan}"
    put demo_uar_agree "$([ $agree = 0 ] && echo 1 || echo 0)"
  fi
fi

# ---- 5. one paper-shape CycleGAN group, timed -----------------------------------------------------
PAPER_DATA=$OUT/paper-data
# gan_run P A TIMEOUT: the group for P pretraining and A adversarial epochs, into OUT/paper-gan-P-A.
gan_run() {
  local dir=$OUT/paper-gan-$1-$2
  rm -rf "$dir"
  GAN_LOG=$dir.log
  # Each line with the time it arrived: the log's own per-epoch figures have two decimals, too
  # coarse for a GPU epoch of tens of milliseconds.
  # shellcheck disable=SC2016,SC2046
  step "paper_gan_$1_$2" "$3" "$GAN_LOG" bash -c 'set -o pipefail; "$@" 2>&1 |
      while IFS= read -r l; do printf "%s %s\n" "$(date +%s.%N)" "$l"; done' _ \
    "$BIN/emoaug" run "$ROOT/configs/paper.toml" \
    -s "data.target=$PAPER_DATA/target.h5" -s "data.source=$PAPER_DATA/source.h5" \
    -s "data.cross=$PAPER_DATA/cross.h5" -s 'ser.settings=["syn"]' -s 'gan.lambda_cls=[2.0]' \
    -s gan.per_fold=false -s "gan.pretrain.epochs=$1" -s "gan.epochs=$2" -s ser.repetitions=1 \
    -s ser.cross_corpus=false -s 'gan.stats_features=[]' -s "experiment.backend=$GAN_BACKEND" \
    -s "experiment.output=$dir" $(threads_for "$GAN_BACKEND") --no-report
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
  skip paper_gan "$NO_GPU"
else
  step paper_synth 120 "$OUT/paper-synth.log" "$BIN/emoaug" synth -o "$PAPER_DATA" --dims 1582 \
    --rows 2000 --source-rows 1000
  gan_run "$P_EPOCHS" "$A_EPOCHS" 240
  times=$(gan_times "$GAN_LOG" "$P_EPOCHS" "$A_EPOCHS")
  P=$P_EPOCHS A=$A_EPOCHS
  # A phase too short for two progress lines was measured with two decimals: run it again for about
  # 25 s per phase (at most the paper's epochs), when the rest of the budget allows it.
  if [ "$times" != incomplete ] && grep -q log_average <<<"$times"; then
    read -r p a _ _ group <<<"$times"
    P2=$(awk -v p="$p" -v P="$P" 'BEGIN {n = int(25 / (p > 0.002 ? p : 0.002)) + 1; if (n < P) n = P; if (n > 10000) n = 10000; print n}')
    A2=$(awk -v a="$a" -v A="$A" 'BEGIN {n = int(25 / (a > 0.005 ? a : 0.005)) + 1; if (n < A) n = A; if (n > 2000) n = 2000; print n}')
    need=$(awk -v p="$p" -v a="$a" -v P="$P2" -v A="$A2" \
      'BEGIN {printf "%d", 1.5 * (P * (p > 0.002 ? p : 0.002) + A * (a > 0.005 ? a : 0.005)) + 60}')
    if [ $((DEADLINE - $(date +%s))) -gt "$need" ]; then
      note "paper_gan: a phase was shorter than the log's 10 s clock; again with $P2 + $A2 epochs"
      put gan_first_try "$P + $A epochs: $times"
      gan_run "$P2" "$A2" "$need"
      times2=$(gan_times "$GAN_LOG" "$P2" "$A2")
      if [ "$times2" != incomplete ]; then times=$times2 P=$P2 A=$A2; fi
    else
      put gan_note "phases under 10 s, no time left to rerun them longer: per-epoch times have 2 decimals"
    fi
  fi
  put gan_backend "$GAN_BACKEND"
  put gan_pretrain_epochs "$P"
  put gan_epochs "$A"
  if [ "$times" = incomplete ]; then
    if [ -s "$GAN_LOG" ]; then
      put gan_error "$(grep -v '\[emoaug\]' "$GAN_LOG" | grep . | tail -1 | cut -d' ' -f2-)"
    else
      put gan_error "the group did not run (step_paper_gan_${P}_$A)"
    fi
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
fi

put gpu_check_s "$(($(date +%s) - START))"
note "done in $(($(date +%s) - START)) s: $TSV"
cat "$TSV"
exit 0
