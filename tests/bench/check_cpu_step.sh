#!/usr/bin/env bash
# bench_cpu_step at its smallest (1 iteration, 3 epochs: 15-25 s): it runs the paper's iteration,
# prints its split, and its limits hold together. Timings are not judged (a test does not time);
# the figures' relations are: every part and limit printed and finite, the combined limit the sum
# of the parts' limits, the strict limit no more than it, the paired fraction within its epochs'
# lowest and highest.
#   check_cpu_step.sh BENCH_CPU_STEP
set -euo pipefail
out=$("$1" --iterations 1 --epochs 3)
value() { awk -v k="$1" '$1 == k { v = $2 } END { print v }' <<<"$out"; }
is_number() { awk -v v="$1" 'BEGIN { exit !(v ~ /^-?[0-9]+(\.[0-9]+)?$/) }'; }
holds() {  # holds DESCRIPTION AWK_CONDITION VALUE... (bound to a, b, c in the condition)
  local what=$1 cond=$2 v
  shift 2
  for v in "$@"; do
    is_number "$v" || { echo "check_cpu_step: $what: '$v' is not a number" >&2; exit 1; }
  done
  if ! awk -v a="${1:-0}" -v b="${2:-0}" -v c="${3:-0}" "BEGIN { exit !($cond) }"; then
    echo "check_cpu_step: $what does not hold ($*)" >&2
    exit 1
  fi
}
parts=0
for part in gemm_forward gemm_input_grad gemm_weight_grad elementwise loss adam; do
  part_limit=$(value "split_${part}_limit_ms")
  holds "split_${part}'s time and limit are printed" 'a > 0 && b > 0' \
    "$(value "split_${part}_ms")" "$part_limit"
  parts=$(awk -v s="$parts" -v l="$part_limit" 'BEGIN { print s + l }')
done
limit=$(value cyclegan_limit_ms_per_it)
holds "the combined limit is the sum of the parts' limits" 'a > 0 && a - b < 0.1 && b - a < 0.1' \
  "$limit" "$parts"
holds "the strict limit is at most the combined one" 'a <= b + 0.1' \
  "$(value cyclegan_limit_strict_ms_per_it)" "$limit"
for f in cyclegan_limit_fraction cyclegan_limit_fraction_cpu cyclegan_limit_strict_fraction; do
  holds "$f is in (0, 2)" 'a > 0 && a < 2' "$(value $f)"
done
holds "the paired fraction lies within its epochs' (lowest, median, highest)" \
  'a > 0 && a <= b && b <= c && c < 2' "$(value cyclegan_limit_fraction_paired_lowest)" \
  "$(value cyclegan_limit_fraction_paired)" "$(value cyclegan_limit_fraction_paired_highest)"
echo "check_cpu_step: the split and its limits hold together"
