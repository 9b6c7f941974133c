#!/usr/bin/env bash
# GPU check: the whole notebook suite with the `cuda` cells, then the benchmarks on the GPU, then one summary table.
# Run from anywhere in the repository, on a machine with a CUDA GPU:   bash tools/gpu-check.sh [--quick]
# About 15 minutes on one modern GPU (--quick: about 5, skipping the suite and the 5-minute quality run).
# Each step has its own time limit; the JSON of every benchmark is kept in $RESULTS (default: gpu-check-results/).
set -uo pipefail
cd "$(dirname "$0")/.."
[ -f .venv/bin/activate ] && . .venv/bin/activate
# Tiny Shakespeare from the shared folder beside the clone when it is there (no network needed), else the cache/URL.
if [ -z "${CHARRNN_DATA:-}" ] && [ -f ../shared/data/tinyshakespeare.txt ]; then export CHARRNN_DATA="$(cd ../shared/data && pwd)"; fi
QUICK=0; [ "${1:-}" = "--quick" ] && QUICK=1
RESULTS=${RESULTS:-gpu-check-results}; mkdir -p "$RESULTS"
status=0
step() { echo; echo "== $1 ($(date +%H:%M:%S))"; }

step "the GPU"
python - <<'PY' | tee "$RESULTS/gpu.txt" || exit 1
import torch
if not torch.cuda.is_available(): raise SystemExit("no CUDA GPU visible to torch: this script checks the GPU paths")
cap = torch.cuda.get_device_capability()
print(f"{torch.cuda.get_device_name()}  compute capability {cap[0]}.{cap[1]}  native bf16: {cap[0] >= 8}  "
      f"GPUs: {torch.cuda.device_count()}")
print(f"torch {torch.__version__}  CUDA {torch.version.cuda}  memory {torch.cuda.get_device_properties(0).total_memory / 1e9:.1f} GB")
PY

if [ $QUICK = 0 ]; then
  step "every notebook, with the cells flagged cuda (nbdev-test --flags cuda)"
  OMP_NUM_THREADS=1 timeout 1500 nbdev-test --flags cuda --timing || { echo "FAILED: the notebook suite"; status=1; }
else
  step "the notebooks that have cuda cells (--quick)"
  for nb in $(grep -l '"#| cuda' nbs/*.ipynb nbs/tutorials/*.ipynb 2>/dev/null); do
    timeout 300 nbdev-test "$nb" --flags cuda || { echo "FAILED: $nb"; status=1; }
  done
fi

bench() {   # bench OUTNAME LIMIT NAME ARGS...: `charrnn-bench NAME ARGS --json`, its JSON line kept in $RESULTS/OUTNAME.json
  local out=$1 limit=$2; shift 2
  timeout "$limit" python -c "from charrnn_fastai.commands import charrnn_bench; raise SystemExit(charrnn_bench())" "$@" --json \
    | tee "$RESULTS/$out.log" || { echo "FAILED: charrnn-bench $*"; status=1; return; }
  tail -n 1 "$RESULTS/$out.log" > "$RESULTS/$out.json"
}

step "charrnn-bench train: the kit's Learner against a plain PyTorch loop, per precision"
for p in fp32 bf16 fp16; do bench "train_$p" 240 train --device cuda --precision $p; done

if [ $QUICK = 0 ]; then
  step "charrnn-bench quality: Tiny Shakespeare, a 5-minute budget on the GPU"
  bench quality 500 quality --seconds 300 --device cuda
fi

step "charrnn-bench sample: one stream, 64 streams, against plain nn.LSTM loops, on the GPU"
bench sample 300 sample --device cuda

if python -c "import torch, sys; sys.exit(torch.cuda.device_count() < 2)"; then
  step "charrnn-bench scale: 1 and 2 GPUs (DDP, NCCL)"
  bench scale 400 scale
fi

step "summary"
python - "$RESULTS" <<'PY'
import json, sys
from pathlib import Path
d = Path(sys.argv[1])
def load(name):
    p = d/f'{name}.json'
    try: return json.loads(p.read_text())
    except (OSError, ValueError): return None
print((d/'gpu.txt').read_text().strip())
rows = []
for p in ('fp32', 'bf16', 'fp16'):
    r = load(f'train_{p}')
    if r: rows.append((f'train {p}', f"kit {r['kit_chars_per_s']:,} chars/s, plain loop {r['plain_chars_per_s']:,} "
                                     f"(ratio {r['ratio_kit_to_plain']}), peak memory {r.get('peak_mem_gb', '?')} GB"))
q = load('quality')
if q: rows.append(('quality, 300 s', f"valid {q['valid_loss_nats_per_char']} nats/char ({q['valid_bits_per_char']} bits/char)"))
s = load('sample')
if s: rows.append(('sample', ', '.join(f'{k} {v:,}' if isinstance(v, (int, float)) else f'{k} {v}'
                                       for k, v in s.items() if 'chars_per_s' in k or k.startswith('ratio'))))
sc = load('scale')
if sc: rows.append(('scale', ', '.join(f'{k} {v}' for k, v in sc.items() if k.startswith(('chars_per_s', 'speedup')))))
w = max(len(a) for a, _ in rows) if rows else 0
print('\n'.join(f'{a:<{w}}  {b}' for a, b in rows))
PY

step "done"; [ $status = 0 ] && echo "all GPU checks passed" || echo "some GPU checks FAILED"
exit $status
