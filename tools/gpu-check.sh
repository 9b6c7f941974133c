#!/usr/bin/env bash
# GPU check: the `cuda`-flagged notebook cells, then the training and sampling benchmarks on the GPU, printing every figure.
# Run from anywhere in the repository, on a machine with one CUDA GPU:   bash tools/gpu-check.sh
# About 6 minutes on one modern GPU; each step has its own time limit (240 s per notebook, 120-200 s per benchmark).
set -uo pipefail
cd "$(dirname "$0")/.."
[ -f .venv/bin/activate ] && . .venv/bin/activate
# Tiny Shakespeare from the shared folder beside the clone when it is there (no network needed), else the cache/URL.
if [ -z "${CHARRNN_DATA:-}" ] && [ -f ../shared/data/tinyshakespeare.txt ]; then export CHARRNN_DATA="$(cd ../shared/data && pwd)"; fi
status=0
step() { echo; echo "== $1 ($(date +%H:%M:%S))"; }

step "the GPU"
python - <<'PY' || exit 1
import torch
if not torch.cuda.is_available(): raise SystemExit("no CUDA GPU visible to torch: this script checks the GPU paths")
cap = torch.cuda.get_device_capability()
print(f"{torch.cuda.get_device_name()}  compute capability {cap[0]}.{cap[1]}  native bf16: {cap[0] >= 8}")
print(f"torch {torch.__version__}  CUDA {torch.version.cuda}  memory {torch.cuda.get_device_properties(0).total_memory / 1e9:.1f} GB")
PY

step "notebook cells flagged cuda (nbdev-test --flags cuda, on the notebooks that have them)"
nbs=$(grep -l '"#| cuda' nbs/*.ipynb nbs/tutorials/*.ipynb 2>/dev/null || true)
for nb in $nbs; do
  echo "-- $nb"
  timeout 240 nbdev-test "$nb" --flags cuda --timing --do-print || { echo "FAILED: $nb"; status=1; }
done

bench() {   # `charrnn-bench NAME ...` through the package itself, whether or not its console scripts are on PATH
  local name=$1; shift
  timeout "$LIMIT" python -c "from charrnn_fastai.cli import charrnn_bench; raise SystemExit(charrnn_bench())" "$name" "$@"
}

step "charrnn-bench train: the kit's Learner against a plain PyTorch loop, on the GPU"
LIMIT=120 bench train --device cuda || { echo "FAILED: bench train"; status=1; }

step "charrnn-bench quality: Tiny Shakespeare, 120 s of training on the GPU"
LIMIT=200 bench quality --seconds 120 --device cuda || { echo "FAILED: bench quality"; status=1; }

step "charrnn-bench sample: one stream, 64 streams and the re-feeding sampler, on the GPU"
LIMIT=120 bench sample --device cuda || { echo "FAILED: bench sample"; status=1; }

step "done"; [ $status = 0 ] && echo "all GPU checks passed" || echo "some GPU checks FAILED"
exit $status
