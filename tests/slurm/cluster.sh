# shellcheck shell=bash
# A private SLURM for one machine, sourced by the tests of tests/slurm/ (bash, set -uo pipefail):
# installs slurm-wlm and munge when missing (as root, with apt-get), starts munged, slurmctld and
# slurmd from a generated slurm.conf (one node, cons_tres, no accounting; its own munge socket, free
# ports and scratch state, so that a site's SLURM is left alone), and stops them by their pid files
# on any exit. Exits 77 (skipped) where SLURM cannot run here: not root, or no SLURM and no apt-get.
# Leaves: SCR (scratch, removed on exit), WORK (the test's folder), SLURM_CONF, HOST, and fail,
# dump, skip and restarted_once. SLURM_EXTRA_CONF, when set, holds more slurm.conf lines
# ("MaxArraySize=2").
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
mkdir -p "$WORK" "$SCR/munge" "$SCR/state" "$SCR/spool" "$SCR/tmp"
chmod 755 "$SCR"  # munged, running as munge, must reach its socket
chmod 1777 "$SCR/tmp"  # TmpFS below: a job's /tmp
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
# Addresses beside the names: a container's hostname need not resolve. TmpFS is private too: srun's
# PMIx plugin makes a folder there named by uid, job id and step id, which two of these clusters
# running at once (ctest -j2 runs both tests of tests/slurm/ together) share, job 1 with job 1:
# the second step fails to launch ("Cannot create directory /tmp/spmix_appdir_0_1.0: File exists").
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
TmpFS=$SCR/tmp
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
${SLURM_EXTRA_CONF:-}
EOF
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" || fail "slurmd did not start"
for _ in $(seq 150); do
  [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && break
  sleep 0.2
done
[ "$(sinfo -h -o %T)" = idle ] || fail "the node is not idle: $(sinfo -h -o '%T %E')"
echo "SLURM up on $HOST (ports $CTLD_PORT, $SLURMD_PORT)"
