#!/usr/bin/env bash
# Runs a failing task farm under mpirun and checks that the job ends within 30 s, with the
# expected exit code, and with exactly one line naming the failing rank and task.
#   check_farm_failure.sh MPIEXEC NP EXPECTED_EXIT LINE_REGEX DRIVER ARGS...
set -u
mpiexec=$1 np=$2 expected_exit=$3 regex=$4
shift 4
limit=30
start=$(date +%s%N)
output=$(timeout -k 5 "$limit" "$mpiexec" --oversubscribe -np "$np" "$@" 2>&1)
rc=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "$output"
echo "--- exit $rc after ${elapsed_ms} ms"
if [[ $rc -eq 124 || $rc -eq 137 ]]; then
  echo "FAIL: the job did not end within ${limit}s"; exit 1
fi
if [[ $rc -ne $expected_exit ]]; then
  echo "FAIL: exit code $rc, expected $expected_exit"; exit 1
fi
lines=$(grep -cE '^emoaug: (error|preempted) on rank' <<<"$output")
if [[ $lines -ne 1 ]]; then
  echo "FAIL: $lines failure lines, expected exactly one"; exit 1
fi
if ! grep -qE "$regex" <<<"$output"; then
  echo "FAIL: no line matches: $regex"; exit 1
fi
echo "PASS"
