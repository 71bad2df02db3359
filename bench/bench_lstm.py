"""LSTM training step: deepgrad vs torch (CPU, 2 threads) vs a hand-written NumPy LSTM.

Workload (float32): sequence 50, input 32, hidden 128, batch 32, one LSTM layer
(batch_first), a linear head 128 -> 10 on the last hidden state, MSE loss, backward
and a plain SGD step (lr 0.01). The NumPy version derives forward and backward by
hand (backpropagation through time) and is the practical floor for a NumPy framework.
Run: python bench/bench_lstm.py          (add --profile for a cProfile of deepgrad)

Where deepgrad's time goes (cProfile and per-part timings, 2 shared cores): the whole
LSTM layer is one graph node (``nn/functional/_rnn_layer.py`` with the fast LSTM kernel
``_lstm_kernel.py``), so framework overhead (graph, engine, head, loss, SGD) is ~5 %.
Forward ~40 %: the 50 per-step GEMMs W_hh h^T (~55 % of it) and ~9 elementwise calls
per step. Backward ~55 %: 50 per-step GEMMs W_hh^T da (~25 %), ~14 elementwise calls
per step, the weight-gradient GEMMs over all steps (~20 %) and one layout copy of the
gate gradients. With numba each step's elementwise lines are one compiled loop forward and
one backward (``_fast_kernels.py``): ~3.5 and ~5 us per step on hot (128, 32) blocks (one
thread, CPU time), against ~17 and ~37 us for the NumPy lines. torch does the same FLOPs with faster small GEMMs (oneDNN/MKL) and fused
elementwise kernels; the hand-written NumPy step is the floor with plain NumPy.
"""
import os
import sys
import time

import numpy as np

import deepgrad as dg
from common import compare, machine_line, profile, report
from deepgrad.nn.functional.linear import linear
from deepgrad.nn import LSTM, Linear
from deepgrad.optim.sgd import SGD

THREADS = int(os.environ.get("BENCH_THREADS", 2))
T, N, I, H, O, LR = 50, 32, 32, 128, 10, 0.01
rng = np.random.default_rng(0)
X = rng.standard_normal((N, T, I)).astype(np.float32)
Y = rng.standard_normal((N, O)).astype(np.float32)


def reference_weights():
    """Starting weights for all three (torch's default init, drawn by deepgrad): NumPy arrays
    keyed ``lstm.<torch name>`` and ``head.weight``/``head.bias``."""
    dg.manual_seed(0)
    lstm, head = LSTM(I, H, batch_first=True), Linear(H, O)
    weights = {f"lstm.{k}": v.detach().numpy().copy() for k, v in lstm.state_dict().items()}
    weights.update({f"head.{k}": v.detach().numpy().copy() for k, v in head.state_dict().items()})
    return weights


def make_torch(w):
    import torch  # noqa: PLC0415 - only the torch contender loads torch

    torch.set_num_threads(THREADS)
    lstm, head = torch.nn.LSTM(I, H, batch_first=True), torch.nn.Linear(H, O)
    lstm.load_state_dict({k[5:]: torch.from_numpy(v.copy()) for k, v in w.items()
                          if k.startswith("lstm.")})
    head.load_state_dict({"weight": torch.from_numpy(w["head.weight"].copy()),
                          "bias": torch.from_numpy(w["head.bias"].copy())})
    params = list(lstm.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(params, lr=LR)
    x, y = torch.from_numpy(X), torch.from_numpy(Y)

    def step():
        opt.zero_grad()
        out, (h, _) = lstm(x)
        loss = ((head(h[-1]) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    return step


def make_deepgrad(w):
    lstm = LSTM(I, H, batch_first=True)
    lstm.load_state_dict({k[5:]: dg.tensor(v) for k, v in w.items() if k.startswith("lstm.")})
    weight = dg.nn.Parameter(dg.tensor(w["head.weight"]))
    bias = dg.nn.Parameter(dg.tensor(w["head.bias"]))
    opt = SGD(list(lstm.parameters()) + [weight, bias], lr=LR)
    x, y = dg.tensor(X), dg.tensor(Y)

    def step():
        opt.zero_grad()
        out, (h, _) = lstm(x)
        loss = ((linear(h[-1], weight, bias) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    return step


def make_numpy(w):
    """A hand-written LSTM step: forward, backpropagation through time, SGD in place."""
    w_ih, w_hh = w["lstm.weight_ih_l0"].copy(), w["lstm.weight_hh_l0"].copy()
    b = w["lstm.bias_ih_l0"] + w["lstm.bias_hh_l0"]
    w_o, b_o = w["head.weight"].copy(), w["head.bias"].copy()
    x = np.ascontiguousarray(X.transpose(1, 0, 2))  # time-major

    def sig(a):
        return np.tanh(a * 0.5) * 0.5 + 0.5

    def step():
        xp = (x.reshape(T * N, I) @ w_ih.T + b).reshape(T, N, 4 * H)
        w_hh_t = np.ascontiguousarray(w_hh.T)  # contiguous W^T: faster per-step GEMM
        h, c = np.zeros((N, H), np.float32), np.zeros((N, H), np.float32)
        hs, cache = [h], []
        for t in range(T):
            a = xp[t] + h @ w_hh_t
            i, f = sig(a[:, :H]), sig(a[:, H:2 * H])
            g, o = np.tanh(a[:, 2 * H:3 * H]), sig(a[:, 3 * H:])
            c_prev, c = c, f * c + i * g
            tc = np.tanh(c)
            h = o * tc
            hs.append(h)
            cache.append((i, f, g, o, c_prev, tc))
        pred = h @ w_o.T + b_o
        loss = ((pred - Y) ** 2).mean()
        dpred = (pred - Y) * (2.0 / pred.size)
        dw_o, db_o = dpred.T @ h, dpred.sum(0)
        dh, dc = dpred @ w_o, np.zeros_like(c)
        da = np.empty((T, N, 4 * H), np.float32)
        for t in range(T - 1, -1, -1):
            i, f, g, o, c_prev, tc = cache[t]
            dc = dc + dh * o * (1 - tc * tc)
            da[t, :, :H] = dc * g * i * (1 - i)
            da[t, :, H:2 * H] = dc * c_prev * f * (1 - f)
            da[t, :, 2 * H:3 * H] = dc * i * (1 - g * g)
            da[t, :, 3 * H:] = dh * tc * o * (1 - o)
            dc = dc * f
            dh = da[t] @ w_hh
        da2 = da.reshape(T * N, 4 * H)
        dw_ih = da2.T @ x.reshape(T * N, I)
        dw_hh = da2.T @ np.stack(hs[:-1]).reshape(T * N, H)
        db = da2.sum(0)
        for p, g in ((w_ih, dw_ih), (w_hh, dw_hh), (b, db), (w_o, dw_o), (b_o, db_o)):
            p -= LR * g
        return loss

    return step


def main():
    weights = reference_weights()
    t_step, d_step, n_step = make_torch(weights), make_deepgrad(weights), make_numpy(weights)
    # same weights: the first losses agree (a check that the three compute the same thing)
    print(f"first losses: torch {t_step().item():.6f}  deepgrad {d_step().item():.6f}  "
          f"numpy {float(n_step()):.6f}")
    if "--profile" in sys.argv:
        profile(d_step, rows=18)
        return
    print(machine_line())
    contenders = {"deepgrad": d_step, "torch": t_step, "numpy": n_step}
    times = compare(contenders, repeats=7)
    report(f"LSTM training step (seq {T}, input {I}, hidden {H}, batch {N}, float32)", times)
    # on a shared machine the median includes waits for the other core (torch's two
    # threads suffer most); the best of alternating rounds shows the unloaded speed
    best = {name: [] for name in contenders}
    for _ in range(15):
        for name, fn in contenders.items():
            t0 = time.perf_counter()
            for _ in range(10):
                fn()
            best[name].append((time.perf_counter() - t0) / 10)
    report("best of 15 alternating rounds of 10 steps", {k: min(v) for k, v in best.items()})


# bench/alone.py: each contender alone in a fresh process (the primary figure)
ALONE = {"lstm": {name: (lambda make=make: make(reference_weights()))
                  for name, make in (("torch", make_torch), ("deepgrad", make_deepgrad),
                                     ("numpy", make_numpy))}}


if __name__ == "__main__":
    main()
