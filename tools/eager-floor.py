#!/usr/bin/env python
"""How close can any eager PyTorch sampler step get to its own matrix products on this CPU?

usage: python tools/eager-floor.py [--streams 64] [--steps 500] [--repeats 7] [--json]

`charrnn-bench sample` measures the kit's 64-stream sampler against the matrix products of its step
(`ratio_batch_to_ceiling`) and its step without sampling (`ratio_step_to_ceiling`). This script asks what the
least eager PyTorch can do costs, on the same untrained default model (a one-layer LSTM) and against the same
ceiling, the kit's `CharStepper.step(products_only=True)`: an LSTM step written as lean as eager operations allow
(every operation in place into buffers made once, no Python layers, no checks, the kit's choice of tanh and of
threads), with and without a Gumbel-max draw. It also times one element-wise operation on a (streams, n_hidden)
tensor alone and placed between the products. It is a measurement, not a second sampler: the kit's step stays
`cell_step`. Run it on an otherwise idle machine.
"""
import sys, json, time, argparse, statistics
import torch
from charrnn_fastai.all import untrained_model, cpu_model, cpu_tanh, tanh_by_sigmoid, CharStepper, SINGLE_THREAD_WORK


def repeated(fn):
    "A loop calling `fn()` n times, keeping nothing it returns (kept results would each need fresh memory)."
    def loop(n):
        for _ in range(n): fn()
    return loop


def seconds_per_step(loop, steps):
    "One timed run of `loop(steps)`, per step."
    t = time.perf_counter(); loop(steps)
    return (time.perf_counter() - t) / steps


def best_seconds_per_step(loop, steps, repeats):
    "The best of `repeats` timed runs of `loop(steps)`, per step."
    loop(min(steps, 20))                                              # warm up
    return min(seconds_per_step(loop, steps) for _ in range(repeats))


def median_extra_seconds(loop, base, steps, repeats):
    "What `loop` costs per step beyond `base`: the median over runs of the two in turn (a small difference of two)."
    loop(min(steps, 20)); base(min(steps, 20))
    return statistics.median(seconds_per_step(loop, steps) - seconds_per_step(base, steps) for _ in range(repeats))


def main(streams=64, steps=500, repeats=7):
    model, _ = untrained_model(0, 0, '', 'cpu')
    cfg, B = model.config, streams
    if (cfg['arch'], cfg['n_layers']) != ('lstm', 1): sys.exit('eager-floor: written for a one-layer LSTM default')
    H, V = cfg['n_hidden'], cfg['vocab_sz']
    if B * H <= SINGLE_THREAD_WORK: torch.set_num_threads(1)         # as the kit's sampler does for small work
    by_sigmoid = cpu_tanh(B, H) is tanh_by_sigmoid
    with torch.inference_mode():
        kit = CharStepper(model, model.init_hidden(torch.zeros(B, 1, dtype=torch.long)), precision='fp32',
                          cuda_graph=False)
    # the kit's own prepared weights, so both steps make the same products: the input part is a row lookup
    table, w_hh, w_out, b_out = kit.layers[0]['table'], kit.layers[0]['hh'].wt, kit.head.wt, kit.head.b
    h, c, T = torch.zeros(B, H), torch.zeros(B, H), torch.empty(B, H)
    G, L, Z = torch.empty(B, 4 * H), torch.empty(B, V), torch.empty(B, V)
    i, f, g, o = G[:, :H], G[:, H:2 * H], G[:, 2 * H:3 * H], G[:, 3 * H:]
    ids, inv_t = torch.zeros(B, dtype=torch.long), torch.full((B, 1), 1.25)   # 1 / temperature 0.8
    out = torch.empty(B, steps, dtype=torch.long)
    gen, noise = torch.Generator().manual_seed(0), torch.empty(64, B, V)

    def tanh_into(x, dest):
        if by_sigmoid: torch.mul(x, 2, out=dest).sigmoid_().mul_(2).sub_(1)   # tanh(x) = 2 sigmoid(2x) - 1
        else: torch.tanh(x, out=dest)

    def products(x):
        torch.index_select(table, 0, x, out=G); G.addmm_(h, w_hh); torch.addmm(b_out, h, w_out, out=L)

    def step(x):
        torch.index_select(table, 0, x, out=G); G.addmm_(h, w_hh)
        tanh_into(g, g); G[:, :2 * H].sigmoid_(); o.sigmoid_()
        c.mul_(f).addcmul_(i, g); tanh_into(c, T); torch.mul(o, T, out=h)
        torch.addmm(b_out, h, w_out, out=L)

    def draw(j):
        if j % 64 == 0: noise.uniform_(generator=gen).clamp_min_(1e-38).log_().neg_().log_().neg_()   # Gumbel
        torch.addcmul(noise[j % 64], L, inv_t, out=Z)
        x = Z.argmax(-1); out[:, j] = x
        return x

    def run_sampler(n):
        x = ids
        for j in range(n): x = draw(j); step(x)

    loops = dict(kit_products=repeated(lambda: kit.step(ids, products_only=True)),
                 lean_products=repeated(lambda: products(ids)),
                 products_and_op=repeated(lambda: (products(ids), torch.mul(o, T, out=h))),
                 op_alone=repeated(lambda: torch.mul(o, T, out=h)),
                 lean_step=repeated(lambda: step(ids)), lean_sampler=run_sampler)
    with torch.inference_mode():
        t = {k: best_seconds_per_step(fn, steps, repeats) * 1e6 for k, fn in loops.items() if k != 'products_and_op'}
        op_between = median_extra_seconds(loops['products_and_op'], loops['lean_products'], steps, repeats) * 1e6
    return dict(cpu=cpu_model(), torch_threads=torch.get_num_threads(), streams=B, n_hidden=H, vocab_sz=V,
                tanh='2*sigmoid(2x)-1' if by_sigmoid else 'torch.tanh',
                **{f'{k}_us_per_step': round(v, 1) for k, v in t.items() if k != 'op_alone'},
                elementwise_op_alone_us=round(t['op_alone'], 1),
                elementwise_op_between_products_us=round(op_between, 1),
                ratio_lean_step_to_ceiling=round(t['kit_products'] / t['lean_step'], 3),
                ratio_lean_sampler_to_ceiling=round(t['kit_products'] / t['lean_sampler'], 3))


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--streams', type=int, default=64)
    ap.add_argument('--steps', type=int, default=500)
    ap.add_argument('--repeats', type=int, default=7)
    ap.add_argument('--json', action='store_true', help='also print one JSON line')
    a = ap.parse_args()
    if min(a.streams, a.steps, a.repeats) < 1: sys.exit('eager-floor: --streams, --steps and --repeats must be >= 1')
    res = main(a.streams, a.steps, a.repeats)
    for k, v in res.items(): print(f'{k:36} {v}')
    if a.json: print(json.dumps(res))
