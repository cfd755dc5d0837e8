#!/usr/bin/env bash
# A task that throws on one rank ends the whole job within seconds, naming the task and the rank.
source "$(dirname "$0")/common.sh"
out="$WORK/failing"
# A file where the task gan/lcls=2/fold=3 keeps its folder: that task, and only it, cannot write.
mkdir -p "$out/tasks/gan/lcls=2"
touch "$out/tasks/gan/lcls=2/fold=3"
start=$(date +%s)
rc=$(run 2 "$out")
took=$(( $(date +%s) - start ))
[ "$rc" != 0 ] || fail "the job succeeded"
grep -q "error on rank [0-9]* in task gan/lcls=2/fold=3" "$out.log" || { cat "$out.log"; fail "no line naming the rank and the task"; }
[ "$took" -lt 60 ] || fail "the job took ${took}s to end"
echo "1 passed, 0 failed"
