#!/usr/bin/env bash
# `emoaug submit` on a real SLURM: munged, slurmctld and slurmd for this machine from a generated
# slurm.conf (one node, cons_tres, no accounting), private to this test (own munge socket, free ports,
# scratch state), then jobs/demo.toml cut short by overrides, submitted twice:
#   - as an array sweep (srun --mpi=pmix) with its aggregation job; element 0 gets USR2 as SLURM's
#     --signal would send it, must exit 75, requeue itself and resume;
#   - as one MPI job (mpirun).
# Both run directories must hold the same numbers. Exit 77 (skipped) where SLURM cannot run here:
# not root, or no SLURM and no apt-get to install it. Daemons and jobs are stopped on every exit.
set -uo pipefail
EMOAUG=$1
COMPARE=$2
SRC=$3
export PATH=$PATH:/usr/sbin:/sbin

skip() {
  echo "skipped: $*"
  exit 77
}
[ "$(id -u)" = 0 ] || skip "SLURM's daemons need root"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
  ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  command -v apt-get >/dev/null || skip "no SLURM installed and no apt-get"
  echo "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq >/dev/null 2>&1 || skip "apt-get update failed"
  timeout 300 apt-get install -y -qq slurm-wlm munge >/dev/null 2>&1 ||
    skip "apt-get install slurm-wlm munge failed"
fi
if [ ! -s /etc/munge/munge.key ]; then
  mungekey -c -k /etc/munge/munge.key || skip "no munge key and mungekey failed"
  chown munge:munge /etc/munge/munge.key
fi

SCR=$(mktemp -d /tmp/emoaug-slurm-XXXXXX)
WORK=$SCR/work
mkdir -p "$WORK" "$SCR/munge" "$SCR/state" "$SCR/spool"
chmod 755 "$SCR"  # munged, running as munge, must reach its socket
chown munge:munge "$SCR/munge"
chmod 755 "$SCR/munge"
export SLURM_CONF=$SCR/slurm.conf

dump() {
  for f in "$WORK"/*/slurm/*.out "$SCR"/slurmctld.log "$SCR"/slurmd.log; do
    [ -f "$f" ] && { echo "---- $f"; tail -n 40 "$f"; }
  done
}
fail() {
  echo "FAILED: $*"
  dump
  exit 1
}
# True once JOB shows one restart. The output is read whole: `scontrol ... | grep -q` under
# pipefail is false whenever grep's early exit kills scontrol with SIGPIPE.
restarted_once() { [[ $(scontrol show job "$1") == *Restarts=1* ]]; }
stop_pidfile() {
  local file=$1 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  kill -9 "$pid" 2>/dev/null
}
cleanup() {
  if [ -s "$SCR/slurmctld.pid" ]; then
    # Every job of this private cluster is the test's own.
    scancel --partition=emoaug 2>/dev/null
    for _ in $(seq 50); do
      [ -z "$(squeue -h 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  stop_pidfile "$SCR/slurmd.pid"
  stop_pidfile "$SCR/slurmctld.pid"
  stop_pidfile "$SCR/munge/munged.pid"
  rm -rf "$SCR"
}
trap cleanup EXIT
trap "exit 1" INT TERM  # so that the EXIT trap runs on a ctest timeout too

# Two free TCP ports, so that another SLURM on this machine (a site's, or this test running twice)
# is left alone.
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
  return 1
}
CTLD_PORT=$(free_port) || fail "no free port"
SLURMD_PORT=$(free_port) || fail "no free port"
[ "$CTLD_PORT" != "$SLURMD_PORT" ] || SLURMD_PORT=$((CTLD_PORT + 1))

su -s /bin/sh munge -c "munged --socket=$SCR/munge/socket --pid-file=$SCR/munge/munged.pid \
  --seed-file=$SCR/munge/seed --log-file=$SCR/munge/munged.log" || fail "munged did not start"

HOST=$(hostname)
MEM=$(awk '/MemTotal/ { print int($2 / 1024 * 0.8) }' /proc/meminfo)
[ "$MEM" -gt 20000 ] && MEM=20000
# Addresses beside the names: a container's hostname need not resolve.
cat >"$SLURM_CONF" <<EOF
ClusterName=emoaugtest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SCR/munge/socket
StateSaveLocation=$SCR/state
SlurmdSpoolDir=$SCR/spool
SlurmctldPidFile=$SCR/slurmctld.pid
SlurmdPidFile=$SCR/slurmd.pid
SlurmctldLogFile=$SCR/slurmctld.log
SlurmdLogFile=$SCR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=2 RealMemory=$MEM
PartitionName=emoaug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" || fail "slurmd did not start"
for _ in $(seq 150); do
  [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && break
  sleep 0.2
done
[ "$(sinfo -h -o %T)" = idle ] || fail "the node is not idle: $(sinfo -h -o '%T %E')"
echo "SLURM up on $HOST (ports $CTLD_PORT, $SLURMD_PORT)"

# ---- the demo, both forms -----------------------------------------------------------------------
"$EMOAUG" synth -o "$WORK/data" >/dev/null || fail "emoaug synth"
QUICK=(-s "data.target=$WORK/data/target.h5" -s "data.source=$WORK/data/source.h5"
  -s "data.cross=$WORK/data/cross.h5" -s gan.epochs=20 -s gan.pretrain.epochs=5
  -s ser.repetitions=1 -s gan.checkpoint_every=2)
cd "$WORK" || fail "cd $WORK"
started=$SECONDS
submit() {  # FORM OUTPUT [options]: prints the job ids
  local form=$1 out=$2
  shift 2
  "$EMOAUG" submit "$SRC/jobs/demo.toml" "${QUICK[@]}" -s "experiment.output=$out" "$@" \
    >"$WORK/$form.submit" 2>&1 || { cat "$WORK/$form.submit"; return 1; }
  sed -n 's/^job \([0-9]*\): .*/\1/p' "$WORK/$form.submit"
}
mapfile -t ARRAY_IDS < <(submit array "$WORK/array" --mode array)
[ ${#ARRAY_IDS[@]} = 2 ] || fail "array form: expected 2 job ids, got '${ARRAY_IDS[*]}'"
mapfile -t MPI_IDS < <(submit mpi "$WORK/mpi" --mode mpi --launcher mpirun)
[ ${#MPI_IDS[@]} = 1 ] || fail "MPI form: expected 1 job id, got '${MPI_IDS[*]}'"
JOBS=("${ARRAY_IDS[@]}" "${MPI_IDS[@]}")
ELEMENT=${ARRAY_IDS[0]}_0
cat "$WORK/array.submit" "$WORK/mpi.submit"

# emoaug status follows the submitted jobs from the queue on, before they have written a task.
"$EMOAUG" status "$WORK/mpi" >"$WORK/mpi.status" 2>&1
rc=$?
cat "$WORK/mpi.status"
[ "$rc" = 3 ] || fail "status of the just submitted MPI job exited $rc, not 3"
grep -Eq "^  ${MPI_IDS[0]} .*: (PENDING|CONFIGURING|RUNNING)" "$WORK/mpi.status" ||
  fail "status does not show the MPI job's state from squeue"

# Preempt element 0 once it has written a GAN checkpoint, as --signal=B:USR2@... would.
checkpoint=""
for _ in $(seq 600); do
  # -print -quit, not a reader that stops early: under pipefail find would die of SIGPIPE.
  checkpoint=$(find "$WORK/array/tasks/gan" -path '*checkpoint*' -name '*.h5' -print -quit 2>/dev/null)
  [ -n "$checkpoint" ] && break
  sleep 0.1
done
[ -n "$checkpoint" ] || fail "element 0 wrote no checkpoint within 60 s"
scancel --batch --signal=USR2 "$ELEMENT" || fail "scancel --signal=USR2 $ELEMENT"
requeued=0
for _ in $(seq 150); do
  if restarted_once "$ELEMENT"; then
    requeued=1
    break
  fi
  sleep 0.2
done
[ "$requeued" = 1 ] || fail "element 0 was not requeued after USR2"
# SLURM holds a requeued job back for two minutes; a test need not wait them out. The hold may be
# set only after the requeue shows, so lift it again while the element waits for its begin time.
scontrol update JobId="$ELEMENT" StartTime=now || fail "scontrol update StartTime"

for i in $(seq 1200); do
  [ -z "$(squeue -h)" ] && break
  if [ $((i % 5)) = 0 ] && [[ $(squeue -h -j "$ELEMENT" -o %r 2>/dev/null) == *BeginTime* ]]; then
    scontrol update JobId="$ELEMENT" StartTime=now 2>/dev/null
  fi
  sleep 0.2
done
[ -z "$(squeue -h)" ] || fail "jobs still queued after 240 s: $(squeue)"
echo "all jobs done after $((SECONDS - started)) s"

# ---- checks -------------------------------------------------------------------------------------
for id in "${JOBS[@]}"; do
  states=$(scontrol show job "$id" | grep -o 'JobState=[A-Z_]*' | sort -u)
  [ "$states" = JobState=COMPLETED ] || fail "job $id ended as: $states"
done
restarted_once "$ELEMENT" || fail "element 0 should show one restart"
log=$(ls "$WORK"/array/slurm/emoaug-demo-*_0.out)
grep -q "emoaug run: preempted" "$log" || fail "element 0's log has no 'preempted'"
grep -q "requeueing job" "$log" || fail "element 0's log has no requeue"
grep -q "(restart 1)" "$log" || fail "element 0's log shows no second start"
for form in array mpi; do
  [ -f "$WORK/$form/summary.csv" ] || fail "$form: no summary.csv"
  [ -f "$WORK/$form/report.md" ] || fail "$form: no report.md"
  # within and cross-corpus: real, then syn and real+syn for each of the 2 λcls values
  rows=$(tail -n +2 "$WORK/$form/summary.csv" | wc -l)
  [ "$rows" = 10 ] || fail "$form: summary.csv has $rows rows, expected 10"
done
"$COMPARE" "$WORK/array" "$WORK/mpi" || fail "the array sweep and the MPI job differ"
cmp "$WORK/array/summary.csv" "$WORK/mpi/summary.csv" || fail "summary.csv differs"
# Once all is done: complete, and element 0's own record counts its restart.
"$EMOAUG" status "$WORK/array" --json >"$WORK/array.status" || fail "status of the finished sweep"
python3 - "$WORK/array.status" "${ARRAY_IDS[0]}_0" <<'EOF' || fail "status of the finished sweep: see above"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["state"] == "complete" and s["done"] == s["total"], s
jobs = {j["id"]: j for j in s["jobs"]}
assert jobs[sys.argv[2]]["restarts"] >= 1, jobs
EOF
cat "$WORK/array/summary.csv"
echo "1 passed, 0 failed"
