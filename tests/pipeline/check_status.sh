#!/usr/bin/env bash
# `emoaug status` on one run directory through its life (docs/run-directory.md, "Status"):
#  1. stopped mid-run (SIGTERM, exit 75): exit 3, and its counts are those of the task files;
#  2. a holder killed with -9 while it runs a task: its claim is flagged stale, exit 1;
#  3. a task made to fail (EMOAUG_FAIL_TASK): status shows it failed with its error line, exit 1;
#  4. the rerun finishes the run: exit 0, the failure kept as history, and report.md lists it;
# and status never writes: the folder's listing (names, sizes, times) is the same after it. Its
# --json output is parsed by Python at every step.
source "$(dirname "$0")/common.sh"
PY=python3
command -v "$PY" >/dev/null || { echo "skipped: no python3"; exit 77; }
out="$WORK/run"
LONG=(-s gan.epochs=40)
FAILING='ser/within/real/fold=1/rep=0'

# The demo as one process (a world of one rank) in the background; $! is its pid.
single() {
  "$EMOAUG" run "$SRC/configs/demo.toml" "${QUICK[@]}" "${LONG[@]}" -s "experiment.output=$out" \
    --no-report >>"$out.log" 2>&1 &
}
listing() { find "$out" -printf '%p %s %T@ %m\n' | sort; }

# status OUTPUT-PREFIX: runs `emoaug status --json` and the text form, checking that neither
# writes; prints the exit code of the JSON form.
status() {
  local before after rc rc_text
  before=$(listing)
  "$EMOAUG" status "$out" --json >"$WORK/$1.json" 2>"$WORK/$1.err"
  rc=$?
  "$EMOAUG" status "$out" >"$WORK/$1.txt" 2>>"$WORK/$1.err"
  rc_text=$?
  after=$(listing)
  [ "$before" = "$after" ] || fail "$1: status changed the run directory: $(diff <(echo "$before") <(echo "$after"))"
  [ "$rc" = "$rc_text" ] || fail "$1: --json exited $rc, the text form $rc_text"
  echo "$rc"
}

# check NAME PYTHON-EXPRESSIONS...: each expression, on s (the parsed JSON), st (its stages by
# name), files (the task files) and d (the run directory), must hold.
check() {
  local name=$1
  shift
  "$PY" - "$WORK/$name.json" "$out" "$@" <<'EOF' || { cat "$WORK/$name.txt"; fail "$name: see above"; }
import json, os, sys
s = json.load(open(sys.argv[1]))
d = sys.argv[2]
assert s["schema"] == "emoaug-status/1", s["schema"]
st = {x["stage"]: x for x in s["points"][0]["stages"]}
plan = [l.split(" ", 1)[1].strip() for l in open(os.path.join(d, "plan.txt")) if l.startswith("task ")]
emotions = int(open(os.path.join(d, "plan.txt")).readline().split()[1])
def done(task):
    p = os.path.join(d, "tasks", task)
    if task.startswith("gan/"):
        return all(os.path.exists(os.path.join(p, "emotion%d.h5" % e)) for e in range(emotions))
    return os.path.exists(p + ".h5")
files = {"gan": sum(done(t) for t in plan if t.startswith("gan/")),
         "ser": sum(done(t) for t in plan if t.startswith("ser/"))}
for x in st.values():
    assert x["done"] + x["running"] + x["stale"] + x["waiting"] + x["failed"] == x["total"], x
assert s["total"] == len(plan) and s["done"] == files["gan"] + files["ser"], (s["done"], files)
for e in sys.argv[3:]:
    assert eval(e), "does not hold: " + e
EOF
}

# 1. Stopped mid-run.
single
pid=$!
wait_for_training "$out"
sleep 2
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" = 75 ] || { cat "$out.log"; fail "the stopped run exited $rc, not 75"; }
rc=$(status stopped)
[ "$rc" = 3 ] || { cat "$WORK/stopped.txt" "$WORK/stopped.err"; fail "status of a stopped run exited $rc, not 3"; }
check stopped 's["state"] == "incomplete" and s["exit_code"] == 3' \
  'st["gan"]["done"] == files["gan"] and st["ser"]["done"] == files["ser"]' \
  'st["ser"]["waiting"] == st["ser"]["total"] - files["ser"]' \
  'not any(x["running_tasks"] for x in st.values())'
grep -q "incomplete" "$WORK/stopped.txt" || fail "the text form does not say incomplete"

# 2. A holder killed with -9 while it holds a claim.
single
pid=$!
claim=""
for _ in $(seq 600); do
  claim=$(find "$out/tasks" \( -name claim -o -name '*.claim' \) -print -quit 2>/dev/null)
  [ -n "$claim" ] && break
  sleep 0.1
done
[ -n "$claim" ] || fail "the rerun took no claim within 60 s"
kill -9 "$pid"
wait "$pid" 2>/dev/null
[ -f "$claim" ] || fail "the claim went with its holder"
rc=$(status stale)
[ "$rc" = 1 ] || { cat "$WORK/stale.txt"; fail "status with a dead holder's claim exited $rc, not 1"; }
check stale 's["state"] == "unhealthy"' \
  'sum(x["stale"] for x in st.values()) == 1' \
  "[r['pid'] for x in st.values() for r in x['running_tasks'] if r['stale']] == [$pid]"
grep -q "STALE" "$WORK/stale.txt" || fail "the text form does not flag the stale claim"

# 3. A task made to fail; the run also takes the dead holder's claim over.
: >"$out.log"
export EMOAUG_FAIL_TASK=$FAILING
single
pid=$!
unset EMOAUG_FAIL_TASK
wait "$pid"
rc=$?
[ "$rc" = 1 ] || { cat "$out.log"; fail "the run with a failing task exited $rc, not 1"; }
grep -q "made to fail by EMOAUG_FAIL_TASK" "$out.log" || { cat "$out.log"; fail "no error line"; }
rc=$(status failed)
[ "$rc" = 1 ] || { cat "$WORK/failed.txt"; fail "status with a failed task exited $rc, not 1"; }
check failed 'st["ser"]["failed"] == 1 and st["ser"]["stale"] == 0' \
  "[f['task'] for f in st['ser']['failed_tasks']] == ['$FAILING']" \
  "'made to fail by EMOAUG_FAIL_TASK' in st['ser']['failed_tasks'][0]['failures'][-1]['error']" \
  "st['ser']['failed_tasks'][0]['failures'][-1]['rank'] == 0" \
  "any('ended without finishing' in e['error'] for f in s['failure_history'] for e in f['failures'])"
grep -q "failed  $FAILING: .*made to fail by EMOAUG_FAIL_TASK" "$WORK/failed.txt" ||
  { cat "$WORK/failed.txt"; fail "the text form does not show the failed task's error line"; }
[ -f "$out/tasks/$FAILING.failure" ] || fail "no failure record beside the task's files"

# 4. The rerun clears it; the record keeps the history.
rc=$(run 1 "$out" "${LONG[@]}")
[ "$rc" = 0 ] || { cat "$out.log"; fail "the rerun exited $rc"; }
rc=$(status finished)
[ "$rc" = 0 ] || { cat "$WORK/finished.txt"; fail "status of the finished run exited $rc, not 0"; }
check finished 's["state"] == "complete" and s["done"] == s["total"]' \
  'st["ser"]["failed"] == 0 and st["ser"]["mean_task_seconds"] is not None' \
  's["eta_seconds"] == 0 and s["elapsed_seconds"] > 0' \
  "[f['state'] for f in s['failure_history'] if f['task'] == '$FAILING'] == ['done']"
grep -q "made to fail by EMOAUG_FAIL_TASK" "$out/tasks/$FAILING.failure" || fail "the history is gone"
"$EMOAUG" report "$out" >/dev/null 2>"$WORK/report.err" || { cat "$WORK/report.err"; fail "emoaug report"; }
grep -q "^## Failures" "$out/report.md" || fail "report.md has no Failures section"
grep -q "$FAILING .*made to fail by EMOAUG_FAIL_TASK" "$out/report.md" || fail "report.md lacks the error line"
start=$(date +%s%N)
"$EMOAUG" status "$out" >/dev/null
echo "status of the finished run: $(( ($(date +%s%N) - start) / 1000000 )) ms"
cat "$WORK/finished.txt"
echo "1 passed, 0 failed"
