#!/usr/bin/env bash
# emoaug starts anywhere (docs/cuda.md, "Where the CUDA libraries come from"): with every CUDA
# library hidden, `emoaug info` and a CPU demo run, and `backend = "cuda"` fails with one line; with
# cuBLAS and NCCL only in a PyTorch-style Python environment (site-packages/nvidia/*/lib beside a
# python3 on PATH), `emoaug info` finds and names them there.
#   tests/bundle/check_loader.sh EMOAUG DEMO_CONFIG
# EMOAUG is build/emoaug or an unpacked bundle's bin/emoaug. The libraries are hidden in a private
# mount namespace (unshare -m): a tmpfs over the CUDA toolkit, /dev/null over any other copy the
# loader's cache lists. Root only; exit 77 (skipped) where that cannot be done.
set -euo pipefail

SKIP=77
say() { echo "check_loader: $*"; }
fail() { echo "check_loader: FAILED: $*" >&2; exit 1; }
show() { sed 's/^/    | /' "$1" >&2; }

if [ "${1:-}" != --inside ]; then
  [ $# -eq 2 ] || { echo "usage: check_loader.sh EMOAUG DEMO_CONFIG" >&2; exit 2; }
  [ -x "$1" ] || fail "$1 is not an executable"
  [ -f "$2" ] || fail "$2: no such config"
  if [ "$(id -u)" -ne 0 ]; then say "skipped: hiding libraries needs root"; exit $SKIP; fi
  command -v unshare >/dev/null || { say "skipped: no unshare"; exit $SKIP; }
  if ! unshare -m --propagation private true 2>/dev/null; then
    say "skipped: unshare -m is not allowed here"; exit $SKIP
  fi
  WORK=$(mktemp -d /tmp/emoaug-loader-XXXXXX)
  trap 'rm -rf "$WORK"' EXIT
  rc=0
  unshare -m --propagation private "$0" --inside "$(readlink -f "$1")" "$(readlink -f "$2")" "$WORK" || rc=$?
  exit $rc
fi

EMOAUG=$2 CONFIG=$3 WORK=$4
mkdir -p "$WORK/home"

# ---- a PyTorch-shaped environment, made before the toolkit disappears ----------------------------
# pip's nvidia-cublas and nvidia-nccl-cu13 wheels put the libraries in site-packages/nvidia/<pkg>/lib.
toolkit_lib() { # the file of $1 according to the loader's cache
  # awk reads to the end (no exit): an early exit would kill ldconfig with SIGPIPE under pipefail.
  /sbin/ldconfig -p | awk -v lib="$1" '$1 == lib && !found { found = $NF } END { print found }'
}
WHEEL=$WORK/env
SITE=$WHEEL/lib/python3.11/site-packages/nvidia
wheel_libs=0
for spec in cublas:libcublas.so.13 cublas:libcublasLt.so.13 nccl:libnccl.so.2; do
  pkg=${spec%%:*} lib=${spec#*:}
  from=$(toolkit_lib "$lib")
  [ -n "$from" ] || continue
  mkdir -p "$SITE/$pkg/lib"
  # A hard link costs nothing (cuBLASLt alone is 500 MiB) and outlives the tmpfs over the toolkit.
  ln "$(readlink -f "$from")" "$SITE/$pkg/lib/$lib" 2>/dev/null || cp "$(readlink -f "$from")" "$SITE/$pkg/lib/$lib"
  wheel_libs=$((wheel_libs + 1))
done
mkdir -p "$WHEEL/bin"
printf '#!/bin/sh\necho "a throwaway python3: emoaug must not run it" >&2\nexit 1\n' >"$WHEEL/bin/python3"
chmod +x "$WHEEL/bin/python3"

# ---- hide every CUDA library -------------------------------------------------------------------
hidden=()
for root in /usr/local/cuda /usr/local/cuda-*; do
  [ -d "$root" ] || continue
  real=$(readlink -f "$root")
  case " ${hidden[*]:-} " in *" $real "*) continue ;; esac
  mount -t tmpfs -o size=1m emoaug-hidden "$real"
  hidden+=("$real")
done
while read -r file; do
  [ -e "$file" ] || continue # under a tmpfs already
  mount --bind /dev/null "$file"
  hidden+=("$file")
done < <(/sbin/ldconfig -p | awk '$1 ~ /^lib(cuda|cudart|cublas|cublasLt|nccl)\.so/ { print $NF }' |
  xargs -r readlink -f | sort -u)
say "hid ${hidden[*]:-nothing (no CUDA library on this machine)}"

E=(env -i PATH=/usr/bin:/bin HOME="$WORK/home" OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)
cd "$WORK/home"

# ---- emoaug info with nothing to find ------------------------------------------------------------
"${E[@]}" "$EMOAUG" info >"$WORK/info.log" 2>&1 || { show "$WORK/info.log"; fail "emoaug info without CUDA libraries"; }
for lib in cublas cublasLt nccl; do
  grep -q "^library $lib: not found (looked in: .*the loader's path and cache" "$WORK/info.log" ||
    { show "$WORK/info.log"; fail "emoaug info does not say where it looked for $lib"; }
done
grep -q '^cuda backend: built, not usable here' "$WORK/info.log" || { show "$WORK/info.log"; fail "emoaug info: the CUDA backend line"; }
say "ok: emoaug info starts without any CUDA library and says where it looked"

# ---- a CPU demo, and backend = "cuda" refused in one line ----------------------------------------
"${E[@]}" "$EMOAUG" synth -o "$WORK/data" >"$WORK/synth.log" 2>&1 || { show "$WORK/synth.log"; fail "emoaug synth"; }
QUICK=(-s "data.target=$WORK/data/target.h5" -s "data.source=$WORK/data/source.h5"
       -s "data.cross=$WORK/data/cross.h5" -s gan.epochs=4 -s gan.pretrain.epochs=2 -s ser.repetitions=1)
timeout 600 "${E[@]}" "$EMOAUG" run "$CONFIG" "${QUICK[@]}" -s "experiment.output=$WORK/run" --no-report \
  >"$WORK/run.log" 2>&1 || { show "$WORK/run.log"; fail "the CPU demo without CUDA libraries"; }
[ -s "$WORK/run/summary.csv" ] || fail "the CPU demo wrote no summary.csv"
grep -q 'backend: cpu (auto: ' "$WORK/run.log" || { show "$WORK/run.log"; fail "the demo did not say why it runs on the CPU"; }
say "ok: the CPU demo runs without any CUDA library ($(grep -m 1 -o 'backend: cpu (auto: .*' "$WORK/run.log"))"

rc=0
"${E[@]}" "$EMOAUG" run "$CONFIG" "${QUICK[@]}" -s experiment.backend=cuda -s "experiment.output=$WORK/cuda" \
  >"$WORK/cuda.out" 2>"$WORK/cuda.err" || rc=$?
[ "$rc" -eq 1 ] || { show "$WORK/cuda.err"; fail "backend = cuda without CUDA: exit $rc, not 1"; }
[ "$(wc -l <"$WORK/cuda.err")" -eq 1 ] || { show "$WORK/cuda.err"; fail "backend = cuda without CUDA: not one line"; }
grep -q 'experiment.backend = "cuda", but rank 0 .* has no usable GPU' "$WORK/cuda.err" ||
  { show "$WORK/cuda.err"; fail "backend = cuda: the line does not say why"; }
[ ! -e "$WORK/cuda" ] || fail "backend = cuda without CUDA left a run directory behind"
say "ok: backend = cuda refused in one line: $(cat "$WORK/cuda.err")"

# ---- cuBLAS and NCCL from a Python environment on PATH ---------------------------------------------
if [ "$wheel_libs" -lt 3 ]; then
  say "skipped the Python environment case: the toolkit here has no cuBLAS or NCCL to copy"
  exit 0
fi
env -i PATH="$WHEEL/bin:/usr/bin:/bin" HOME="$WORK/home" "$EMOAUG" info >"$WORK/wheel.log" 2>&1 ||
  { show "$WORK/wheel.log"; fail "emoaug info with the libraries in a Python environment"; }
for spec in cublas:cublas/lib/libcublas.so.13 cublasLt:cublas/lib/libcublasLt.so.13 nccl:nccl/lib/libnccl.so.2; do
  name=${spec%%:*} file=$(readlink -f "$SITE/${spec#*:}")
  grep -qF "library $name: $file (" "$WORK/wheel.log" ||
    { show "$WORK/wheel.log"; fail "emoaug info does not name $file for $name"; }
done
say "ok: cuBLAS, cuBLASLt and NCCL found in a Python environment on PATH:"
grep '^library \(cublas\|cublasLt\|nccl\):' "$WORK/wheel.log" | sed 's/^/    /'
