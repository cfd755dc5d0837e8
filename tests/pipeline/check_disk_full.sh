#!/usr/bin/env bash
# A real filesystem filling up: the demo into a small tmpfs that runs out of space mid-run stops
# with one line naming the file and what to do, exit code 74, and no MPI or HDF5 dump; with space
# freed, the same command finishes with the numbers of a run that never lacked space. Needs root
# (mount); reports itself skipped (77) otherwise.
source "$(dirname "$0")/common.sh"
[ "$(id -u)" = 0 ] || { echo "skipped: mounting a tmpfs needs root"; exit 77; }
DISK="$WORK/disk"
mkdir -p "$DISK"
mount -t tmpfs -o size=24m tmpfs "$DISK" 2>/dev/null || { echo "skipped: cannot mount a tmpfs"; exit 77; }
trap 'umount "$DISK" 2>/dev/null; rm -rf "$WORK"' EXIT

# demo OUTPUT LOG: one process (a world of one rank), the quick demo settings, checkpoints every
# epoch; stderr to LOG (off the small disk).
demo() {
  timeout 240 "$EMOAUG" run "$SRC/configs/demo.toml" "${QUICK[@]}" -s gan.checkpoint_every=1 \
    -s experiment.threads=1 -s "experiment.output=$1" --no-report >/dev/null 2>"$2"
  echo $?
}

rc=$(demo "$WORK/reference" "$WORK/reference.err")
[ "$rc" = 0 ] || { cat "$WORK/reference.err"; fail "reference run exited $rc"; }
# Leave less room than the run needs at its fullest (the plan says how much that is).
peak=$("$EMOAUG" plan "$SRC/configs/demo.toml" "${QUICK[@]}" -s gan.checkpoint_every=1 \
  -s "experiment.output=$DISK/run" | sed -n 's/.*about \([0-9.]*\) MB at its fullest.*/\1/p')
[ -n "$peak" ] || fail "emoaug plan printed no disk estimate"
room_kb=$(awk -v p="$peak" 'BEGIN { printf "%d", p * 1000 / 3 }')
free_kb=$(df -k --output=avail "$DISK" | tail -n 1)
dd if=/dev/zero of="$DISK/filler" bs=1k count=$((free_kb - room_kb)) 2>/dev/null
echo "tmpfs: ${room_kb} kB left for a run that needs about ${peak} MB at its fullest"

ERR="$WORK/run.err"
rc=$(demo "$DISK/run" "$ERR")
[ "$rc" = 74 ] || { cat "$ERR"; fail "a full disk exited $rc, not 74"; }
[ "$(wc -l <"$ERR")" = 1 ] || { cat "$ERR"; fail "not one line"; }
grep -qE "^emoaug run: out of space: $DISK/run/.*: no space left on the filesystem \(the file needs about [0-9.]+ MB.*\); free space or move experiment.output, then rerun the same command$" "$ERR" ||
  { cat "$ERR"; fail "the out-of-space line does not say what it should"; }
cat "$ERR"

rm "$DISK/filler"
rc=$(demo "$DISK/run" "$ERR")
[ "$rc" = 0 ] || { cat "$ERR"; fail "rerun with space freed exited $rc"; }
"$COMPARE" "$WORK/reference" "$DISK/run" || fail "the run that ran out of space differs"
cmp "$WORK/reference/summary.csv" "$DISK/run/summary.csv" || fail "summary.csv differs"
[ -z "$(find "$DISK/run" -path '*checkpoint*' -name '*.h5')" ] || fail "checkpoints left behind"
echo "1 passed, 0 failed"
