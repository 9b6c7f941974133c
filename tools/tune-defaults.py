#!/usr/bin/env python
"""Which model and batch win two minutes of training on this machine, per precision: one JSON line per setting.

usage: CHARRNN_DATA=/path/to/folder python tools/tune-defaults.py [SETTING_JSON ...] [--seconds S]

Each SETTING_JSON names char_dls and char_rnn_learner arguments, e.g. '{"precision": "bf16", "n_hidden": 512}';
what it leaves out comes from TRAIN_DEFAULTS (the fp32 row of DEVICE_DEFAULTS, without dropout). Without settings it
runs the rows of the table in nbs/11_training.ipynb (about an hour). Run it on an otherwise idle machine:
the settings are compared by what they reach in the same time.
"""
import sys, json, time, argparse
import torch
from charrnn_fastai.all import TRAIN_DEFAULTS, char_dls, char_rnn_learner

TABLE = [dict(precision='fp32'), dict(precision='fp32', bs=16, lr=7e-3), dict(precision='bf16'),
         dict(precision='bf16', lr=2e-2), dict(precision='bf16', seq_len=64), dict(precision='bf16', bs=16, lr=7e-3),
         dict(precision='bf16', n_hidden=512), dict(precision='bf16', n_hidden=640, lr=6e-3),
         dict(precision='bf16', bs=64), dict(precision='fp32', dropout=0.1), dict(precision='bf16', dropout=0.1),
         dict(precision='bf16', dropout=0.15), dict(precision='bf16', bs=16, lr=7e-3, dropout=0.1),
         dict(precision='bf16', bs=16, lr=7e-3, dropout=0.2),
         dict(precision='bf16', n_hidden=512, lr=8e-3, dropout=0.1),
         dict(precision='bf16', bs=16, lr=7e-3, n_hidden=512, dropout=0.2),
         # the fifth sitting: the 1 x 512 model with dropout around the fourth's best, at several batch shapes
         *[dict(precision='bf16', n_hidden=512, dropout=0.2, bs=bs, seq_len=sl, lr=lr)
           for bs, sl, lr in ((16, 128, 1e-2), (16, 128, 5e-3), (16, 96, 7e-3), (64, 32, 7e-3), (32, 64, 1e-2),
                              (32, 64, 7e-3), (32, 64, 5e-3))],
         dict(precision='bf16', bs=16, lr=7e-3, n_hidden=512, dropout=0.3),
         dict(precision='bf16', bs=16, lr=6e-3, n_hidden=640, dropout=0.3),
         dict(precision='bf16', seq_len=64, lr=7e-3, n_hidden=512, dropout=0.1),
         dict(precision='bf16', seq_len=64, lr=5e-3, n_hidden=512, dropout=0.25),
         dict(precision='bf16', seq_len=64, lr=5e-3, n_hidden=640, dropout=0.25)]

def run(seconds:float, **setting) -> dict:
    "Train one setting for `seconds` on Tiny Shakespeare from seed 0: steps, characters and the validation loss."
    s = {**TRAIN_DEFAULTS, 'precision': 'auto', **setting}
    torch.manual_seed(0)
    dls = char_dls('shakespeare', bs=s['bs'], seq_len=s['seq_len'], device='cpu')
    learn = char_rnn_learner(dls, arch=s['arch'], n_hidden=s['n_hidden'], n_layers=s['n_layers'], emb_sz=s['emb_sz'],
                             lr=s['lr'], device='cpu', precision=s['precision'], dropout=s.get('dropout'))
    t = time.perf_counter()
    with learn.no_bar(), learn.no_logging():
        learn.fit_time(seconds)
        loss = float(learn.validate()[0])
    steps = len(learn.history['train_losses'])
    return dict(s, precision=learn.precision, steps=steps, chars=steps * s['bs'] * s['seq_len'],
                wall_s=round(time.perf_counter() - t, 1), valid_loss=round(loss, 4))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('settings', nargs='*', help='JSON objects of char_dls / char_rnn_learner arguments')
    p.add_argument('--seconds', type=float, default=120)
    a = p.parse_args()
    for setting in [json.loads(x) for x in a.settings] or TABLE:
        print(json.dumps(run(a.seconds, **setting)), flush=True)
