#!/usr/bin/env bash
# Benchmarks against the PyTorch peers, side by side in one run (docs/benchmarks.md has the
# figures and what they mean).
#
#   scripts/bench.sh cpu [--reps N] [--threads N] [--full] [--no-ser] [--cpu-gemm NAME]
#
# The paper's CycleGAN iteration (bench_cpu_step vs bench/pytorch_cyclegan_step.py): N
# alternating repetitions, medians. PyTorch runs twice per repetition, as users run it and with
# OMP_WAIT_POLICY=PASSIVE (its OpenMP threads otherwise spin against OpenBLAS's and against other
# load, up to 4x slower here); the faster counts. Then the SER `real` leave-one-session-out run on
# IEMOCAP (bench_ser_real vs bench/pytorch_ser_real.py, PyTorch again both ways): emoaug one task
# per core, as `emoaug run` farms them over a node's threads and ranks, and one task at a time.
# Cut to 1 repetition of 10 epochs on both sides unless --full (5 x 70: the paper's protocol,
# ~15 min here). --cpu-gemm runs emoaug's side on the named gemm kernels (openblas, avx2, avx512;
# bench_cpu_step's and bench_ser_real's --cpu-gemm) instead of the widest this CPU runs, e.g. avx2
# on an AVX-512 machine. Ends with `name value` lines, the CPU (model, family/model, widest
# vector) and the gemm kernels that ran among them. Environment: BUILD_DIR (build), PYTHON (/usr/bin/python3,
# Debian's python3-torch), DATA (../shared/data: the shared data beside the checkout).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n 5,19p "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] || usage
target=$1
shift
[ "$target" = cpu ] || usage
reps=3 threads=2 full=0 ser=1 cpu_gemm=()
while [ $# -gt 0 ]; do
  case $1 in
    --reps) reps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --full) full=1; shift ;;
    --no-ser) ser=0; shift ;;
    --cpu-gemm) cpu_gemm=(--cpu-gemm "$2"); shift 2 ;;
    *) usage ;;
  esac
done

BUILD_DIR=${BUILD_DIR:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
DATA=${DATA:-../shared/data}
[ -f "$BUILD_DIR/CMakeCache.txt" ] || scripts/setup.sh
cmake --build "$BUILD_DIR" --target bench_cpu_step bench_ser_real >/dev/null
"$PYTHON" -c "import torch" 2>/dev/null || { echo "bench: $PYTHON has no torch" >&2; exit 1; }

log=$(mktemp -d /tmp/emoaug-bench.XXXXXX)
echo "bench: logs in $log" >&2
# The CPU the figures belong to: its model, family/model numbers and widest vector registers.
# awk reads lscpu's output to the end: an early exit would kill lscpu with SIGPIPE under pipefail.
cpu_field() { LC_ALL=C lscpu | awk -F: -v k="$1" '$1 == k && !n++ { gsub(/^ +/, "", $2); print $2 }'; }
cpu_name=$(cpu_field "Model name")
cpu_family_model="$(cpu_field "CPU family")/$(cpu_field "Model")"
vector_bits=128
grep -qw avx2 /proc/cpuinfo && vector_bits=256
grep -qw avx512f /proc/cpuinfo && vector_bits=512
echo "bench: $cpu_name, family/model $cpu_family_model, $vector_bits-bit vectors" >&2
value() { awk -v k="$1" '$1 == k { v = $2 } END { print v }' "$2"; }
median() {
  printf '%s\n' "$@" | sort -g |
    awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }'; }

# ---- the CycleGAN iteration ---------------------------------------------------------------------
# PyTorch twice per repetition: as users run it, and with OMP_WAIT_POLICY=PASSIVE; the faster
# counts. The roofline is the best sgemm seen over the repetitions (load only lowers it).
emo=() pt=() pt_default=() peak=() emo_cpu=() pt_cpu=() core=() eff=()
limit=() limit_cpu=() limit_paired=() strict=() strict_cpu=()
pytorch_cyclegan() {
  OMP_NUM_THREADS=$threads "$@" "$PYTHON" bench/pytorch_cyclegan_step.py --device cpu \
    --threads "$threads" --lambda-cls 2 --iterations 8 --warmup 1
}
for r in $(seq "$reps"); do
  e=$log/cyclegan_emoaug_$r.txt pd=$log/cyclegan_pytorch_default_$r.txt
  pp=$log/cyclegan_pytorch_passive_$r.txt
  "$BUILD_DIR/bench/bench_cpu_step" --threads "$threads" --lambda-cls 2 "${cpu_gemm[@]}" >"$e"
  pytorch_cyclegan env >"$pd"
  pytorch_cyclegan env OMP_WAIT_POLICY=PASSIVE >"$pp"
  a=$(value cyclegan_it_per_s_pytorch "$pd") b=$(value cyclegan_it_per_s_pytorch "$pp")
  best=$pp
  if awk -v a="$a" -v b="$b" 'BEGIN { exit !(a > b) }'; then best=$pd; fi
  emo+=("$(value cyclegan_it_per_s_emoaug "$e")")
  pt+=("$(value cyclegan_it_per_s_pytorch "$best")")
  pt_default+=("$a")
  emo_cpu+=("$(value cyclegan_cpu_s_per_it_emoaug "$e")")
  pt_cpu+=("$(value cyclegan_cpu_s_per_it_pytorch "$best")")
  peak+=("$(value sgemm_4096_gflops "$e")")
  core+=("$(value sgemm_2048_gflops_per_core "$e")")
  eff+=("$(value cyclegan_core_efficiency_emoaug "$e")")
  limit+=("$(value cyclegan_limit_fraction "$e")")
  limit_cpu+=("$(value cyclegan_limit_fraction_cpu "$e")")
  limit_paired+=("$(value cyclegan_limit_fraction_paired "$e")")
  strict+=("$(value cyclegan_limit_strict_fraction "$e")")
  strict_cpu+=("$(value cyclegan_limit_strict_fraction_cpu "$e")")
  gflop_it=$(value cyclegan_gflop_per_it "$e")
  echo "bench: rep $r: emoaug ${emo[-1]} it/s, pytorch $a it/s (default) $b it/s (passive)," \
    "sgemm ${peak[-1]} GFLOP/s" >&2
done
emo_med=$(median "${emo[@]}")
pt_med=$(median "${pt[@]}")
peak_max=$(printf '%s\n' "${peak[@]}" | sort -g | tail -1)
emo_gflops=$(awk -v i="$emo_med" -v g="$gflop_it" 'BEGIN { printf "%.1f", i * g }')
pt_gflops=$(awk -v i="$pt_med" -v g="$gflop_it" 'BEGIN { printf "%.1f", i * g }')

# ---- SER real, leave one session out ------------------------------------------------------------
corpus=$DATA/iemocap-emobase2010.h5
ser_lines=()
if [ "$ser" = 1 ] && [ -f "$corpus" ]; then
  cut=(--repetitions 1 --epochs 10)
  [ "$full" = 1 ] && cut=(--repetitions 5 --epochs 70)
  "$BUILD_DIR/bench/bench_ser_real" "$corpus" --jobs 1 "${cut[@]}" "${cpu_gemm[@]}" \
    >"$log/ser_emoaug.txt"
  "$BUILD_DIR/bench/bench_ser_real" "$corpus" --jobs "$threads" "${cut[@]}" "${cpu_gemm[@]}" \
    >"$log/ser_emoaug_jobs.txt"
  # PyTorch as for the CycleGAN: as users run it and with passive OpenMP waits; the faster counts.
  for mode in default passive; do
    policy=()
    [ "$mode" = passive ] && policy=(OMP_WAIT_POLICY=PASSIVE)
    env OMP_NUM_THREADS="$threads" "${policy[@]}" "$PYTHON" bench/pytorch_ser_real.py "$corpus" \
      --threads "$threads" "${cut[@]}" >"$log/ser_pytorch_$mode.txt"
  done
  se=$(value ser_real_loso_seconds_emoaug "$log/ser_emoaug.txt")
  sj=$(value ser_real_loso_seconds_emoaug "$log/ser_emoaug_jobs.txt")
  spd=$(value ser_real_loso_seconds_pytorch "$log/ser_pytorch_default.txt")
  spp=$(value ser_real_loso_seconds_pytorch "$log/ser_pytorch_passive.txt")
  sp=$spp best=$log/ser_pytorch_passive.txt
  if awk -v a="$spd" -v b="$spp" 'BEGIN { exit !(a < b) }'; then sp=$spd best=$log/ser_pytorch_default.txt; fi
  folds=$(value ser_real_folds "$log/ser_emoaug.txt")
  ser_lines+=("ser_real_protocol folds=$folds,repetitions=${cut[1]},epochs=${cut[3]}")
  uar=$(value ser_real_loso_uar_mean_emoaug "$log/ser_emoaug_jobs.txt")
  ser_lines+=("ser_real_loso_uar_emoaug $uar")
  uar=$(value ser_real_loso_uar_mean_pytorch "$best")
  ser_lines+=("ser_real_loso_uar_pytorch $uar")
  ser_lines+=("ser_real_loso_seconds_emoaug $sj")
  ser_lines+=("ser_real_loso_seconds_emoaug_one_rank $se")
  ser_lines+=("ser_real_loso_seconds_pytorch $sp")
  ser_lines+=("ser_real_loso_seconds_pytorch_default $spd")
  ser_lines+=("ser_real_loso_seconds_pytorch_passive $spp")
  ser_lines+=("ser_real_loso_speedup $(ratio "$sp" "$sj")")
  ser_lines+=("ser_real_loso_speedup_vs_default_pytorch $(ratio "$spd" "$sj")")
  ser_lines+=("ser_real_loso_speedup_one_rank $(ratio "$sp" "$se")")
elif [ "$ser" = 1 ]; then
  ser_lines+=("ser_real_skipped no corpus at $corpus")
fi

echo "machine $(echo "$cpu_name" | tr ' ' _)"
echo "cpu_family_model $cpu_family_model"
echo "vector_width_bits $vector_bits"
echo "cpu_gemm $(value cpu_gemm "$log/cyclegan_emoaug_1.txt")"
echo "cores $(nproc)"
echo "threads $threads"
echo "repetitions $reps"
echo "torch_version $(value torch_version "$log/cyclegan_pytorch_passive_1.txt")"
echo "cyclegan_gflop_per_it $gflop_it"
echo "sgemm_4096_gflops $(median "${peak[@]}")"
echo "sgemm_4096_gflops_best $peak_max"
echo "sgemm_2048_gflops_per_core $(median "${core[@]}")"
echo "cyclegan_it_per_s_emoaug $emo_med"
echo "cyclegan_it_per_s_pytorch $pt_med"
echo "cyclegan_speedup $(ratio "$emo_med" "$pt_med")"
echo "cyclegan_it_per_s_pytorch_default $(median "${pt_default[@]}")"
echo "cyclegan_speedup_vs_default_pytorch $(ratio "$emo_med" "$(median "${pt_default[@]}")")"
echo "cyclegan_gflops_emoaug $emo_gflops"
echo "cyclegan_gflops_pytorch $pt_gflops"
echo "cyclegan_roofline_fraction $(ratio "$emo_gflops" "$peak_max")"
echo "cyclegan_roofline_fraction_pytorch $(ratio "$pt_gflops" "$peak_max")"
echo "cyclegan_cpu_s_per_it_emoaug $(median "${emo_cpu[@]}")"
echo "cyclegan_cpu_s_per_it_pytorch $(median "${pt_cpu[@]}")"
echo "cyclegan_cpu_speedup $(ratio "$(median "${pt_cpu[@]}")" "$(median "${emo_cpu[@]}")")"
echo "cyclegan_core_efficiency_emoaug $(median "${eff[@]}")"
# Against the combined flop-and-byte limit of bench_cpu_step's split (its log has the parts).
echo "cyclegan_limit_fraction $(median "${limit[@]}")"
echo "cyclegan_limit_fraction_cpu $(median "${limit_cpu[@]}")"
echo "cyclegan_limit_fraction_paired $(median "${limit_paired[@]}")"
echo "cyclegan_limit_strict_fraction $(median "${strict[@]}")"
echo "cyclegan_limit_strict_fraction_cpu $(median "${strict_cpu[@]}")"
for l in "${ser_lines[@]}"; do echo "$l"; done
