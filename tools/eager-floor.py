#!/usr/bin/env python
"""How close can any eager PyTorch sampler step get to its own matrix products on this machine?

usage: python tools/eager-floor.py [--streams 64] [--steps 500] [--repeats 7] [--json]

`charrnn-bench sample` measures the kit's 64-stream sampler against the matrix products of its step
(`ratio_batch_to_ceiling`) and its step without sampling (`ratio_step_to_ceiling`). This script asks what the
least eager PyTorch can do costs, on the same untrained default model and the same products: an LSTM step written
as lean as eager operations allow (every operation in place into buffers made once, no Python layers, no checks),
with and without a Gumbel-max draw. It is a measurement, not a second sampler: the kit's step stays `cell_step`.
Run it on an otherwise idle machine.
"""
import sys, json, time, argparse
import torch
from charrnn_fastai.all import untrained_model, cpu_model


def best_seconds_per_step(loop, steps, repeats):
    "The best of `repeats` timed runs of `loop(steps)`, per step."
    loop(min(steps, 20))                                              # warm up
    best = float('inf')
    for _ in range(repeats):
        t = time.perf_counter(); loop(steps); best = min(best, time.perf_counter() - t)
    return best / steps


def main(streams=64, steps=500, repeats=7):
    model, _ = untrained_model(0, 0, '', 'cpu')
    cfg, B = model.config, streams
    H, V = cfg['n_hidden'], cfg['vocab_sz']
    with torch.inference_mode():
        W_ih, W_hh, b_ih, b_hh = model.layer_weights(0)
        table = (model.encode(torch.arange(V)) @ W_ih.t() + b_ih + b_hh).contiguous()   # the input part: a lookup
        w_hh, w_out, b_out = W_hh.t().contiguous(), model.head.weight.t().contiguous(), model.head.bias.detach()
    h, c, T = torch.zeros(B, H), torch.zeros(B, H), torch.empty(B, H)
    G, L, Z = torch.empty(B, 4 * H), torch.empty(B, V), torch.empty(B, V)
    i, f, g, o = G[:, :H], G[:, H:2 * H], G[:, 2 * H:3 * H], G[:, 3 * H:]
    ids, out, inv_t = torch.zeros(B, dtype=torch.long), torch.empty(B, steps, dtype=torch.long), torch.full((B, 1), 1.25)
    gen, noise = torch.Generator().manual_seed(0), torch.empty(64, B, V)

    def products(x):
        torch.index_select(table, 0, x, out=G); G.addmm_(h, w_hh); torch.addmm(b_out, h, w_out, out=L)

    def cell():
        g.tanh_(); G[:, :2 * H].sigmoid_(); o.sigmoid_()
        c.mul_(f).addcmul_(i, g); torch.tanh(c, out=T); torch.mul(o, T, out=h)

    def step(x):
        torch.index_select(table, 0, x, out=G); G.addmm_(h, w_hh); cell(); torch.addmm(b_out, h, w_out, out=L)

    def draw(j):
        if j % 64 == 0: noise.uniform_(generator=gen).clamp_min_(1e-38).log_().neg_().log_().neg_()   # Gumbel
        torch.addcmul(noise[j % 64], L, inv_t, out=Z)
        x = Z.argmax(-1); out[:, j] = x
        return x

    def run_products(n):
        for _ in range(n): products(ids)
    def run_steps(n):
        for _ in range(n): step(ids)
    def run_sampler(n):
        x = ids
        for j in range(n): x = draw(j); step(x)

    with torch.inference_mode():
        t = {k: best_seconds_per_step(fn, steps, repeats)
             for k, fn in (('products', run_products), ('step', run_steps), ('sampler', run_sampler))}
    return dict(cpu=cpu_model(), torch_threads=torch.get_num_threads(), streams=B, n_hidden=H, vocab_sz=V,
                products_us_per_step=round(t['products'] * 1e6, 1), lean_step_us_per_step=round(t['step'] * 1e6, 1),
                lean_sampler_us_per_step=round(t['sampler'] * 1e6, 1),
                ratio_lean_step_to_ceiling=round(t['products'] / t['step'], 3),
                ratio_lean_sampler_to_ceiling=round(t['products'] / t['sampler'], 3))


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--streams', type=int, default=64)
    ap.add_argument('--steps', type=int, default=500)
    ap.add_argument('--repeats', type=int, default=7)
    ap.add_argument('--json', action='store_true', help='also print one JSON line')
    a = ap.parse_args()
    if min(a.streams, a.steps, a.repeats) < 1: sys.exit('eager-floor: --streams, --steps and --repeats must be >= 1')
    res = main(a.streams, a.steps, a.repeats)
    for k, v in res.items(): print(f'{k:32} {v}')
    if a.json: print(json.dumps(res))
