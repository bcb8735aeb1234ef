#!/usr/bin/env bash
# Everything the GPU changes, measured in one command on a GPU machine that has its own stack
# (python3 with torch, torchvision, timm, onnx ...) but no fastai, no weights and no network:
#
#   make gpu-wheels                          # here, once: what that machine lacks, into .whl/
#   bash benchmarks/gpu.sh OUTDIR            # there: installs .whl/ into a temp dir, measures
#   bash benchmarks/gpu.sh OUTDIR --dry-run  # here: every step on the CPU at tiny sizes
#
# With the device tool: run(command="bash benchmarks/gpu.sh $OUT", carry=[".whl"], timeout_s=540)
# The parts (benchmarks/bench_gpu.py) each run under a timeout carved from GPU_SH_SECONDS (450),
# so the whole stays under 8 minutes; OUTDIR gets env, train_bench, notebook02, cleaner and
# summary .json and gpu.log, flat. Exit status: 0 when every part finished, else 1.
set -uo pipefail

usage="usage: bash benchmarks/gpu.sh OUTDIR [--dry-run]"
[[ $# -ge 1 && $# -le 2 && ${2:---dry-run} == --dry-run ]] || { echo "$usage" >&2; exit 2; }
mkdir -p "$1" && out=$(cd "$1" && pwd)
dry=${2:-}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
wheels=${LESSON2_WHEELS:-$root/.whl}
python=${PYTHON:-python3}
total=${GPU_SH_SECONDS:-450}
declare -A share=([env]=8 [train_bench]=32 [notebook02]=38 [cleaner]=22)  # percent of $total

fail() { echo "gpu.sh: $*" >&2; exit 1; }

install() {  # the wheels into $site, alone on PYTHONPATH; the checkout itself is never imported
  compgen -G "$wheels/*.whl" >/dev/null ||
    fail "no wheels in $wheels: run \`make gpu-wheels\` on a machine with PyPI, carry .whl"
  "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target "$site" "$wheels"/*.whl || fail "pip could not install $wheels/*.whl"
  for pkg in lesson2 app/lesson2_app; do
    diff -rq -x __pycache__ "$root/$pkg" "$site/$(basename "$pkg")" >/dev/null ||
      fail "$wheels holds an older lesson2 than this checkout ($pkg differs): make gpu-wheels"
  done
  local found
  found=$("$python" -P -c 'import lesson2; print(lesson2.__file__)') || fail "lesson2 does not import"
  [[ $found == "$site"/* ]] || fail "lesson2 was imported from $found, not from the wheel"
}

main() {
  local start=$SECONDS status part budget left
  work=$(mktemp -d "${TMPDIR:-/tmp}/lesson2-gpu.XXXXXX")  # global: the EXIT trap reads it
  trap 'rm -rf "$work"' EXIT
  site=$work/site
  export PYTHONPATH=$site LESSON2_DATA=$work/data PYTHONUNBUFFERED=1
  echo "gpu.sh ${dry:-(real run)}: $("$python" --version) at $(command -v "$python"), out $out"
  install
  cd "$work" || fail "cannot enter $work"  # the checkout's folders are no packages on the path
  echo "installed $(find "$wheels" -name '*.whl' | wc -l) wheels in $((SECONDS - start)) s"
  : >"$work/status"
  for part in env train_bench notebook02 cleaner; do
    left=$((total - (SECONDS - start)))
    budget=$((total * share[$part] / 100))
    ((budget > left)) && budget=$left
    if ((budget < 10)); then
      echo "$part skipped 0" >>"$work/status"
      continue
    fi
    local t0=$SECONDS
    timeout --kill-after=15 "$budget" "$python" "$root/benchmarks/bench_gpu.py" "$out" \
      --part "$part" --work "$work" ${dry:+"$dry"}
    case $? in
      0) status=ok ;;
      124 | 137) status=timeout ;;
      *) status=failed ;;
    esac
    echo "$part $status $((SECONDS - t0))" >>"$work/status"
    echo "-- $part: $status after $((SECONDS - t0)) s (budget $budget s)"
    if [[ $part == env && $status != ok ]]; then
      echo "gpu.sh: the environment check failed: nothing else is measured" >&2
      break
    fi
  done
  "$python" "$root/benchmarks/bench_gpu.py" "$out" --summary --work "$work"
  status=$?
  echo "gpu.sh: done in $((SECONDS - start)) s"
  return $status
}

main 2>&1 | tee "$out/gpu.log"
exit "${PIPESTATUS[0]}"
