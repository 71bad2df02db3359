"""LSTM and GRU training steps: deepgrad vs torch (CPU, 2 threads) vs hand-written NumPy.

Workload (float32): sequence 50, input 32, hidden 128, batch 32, one LSTM (``lstm``) or
GRU (``gru``) layer (batch_first), a linear head 128 -> 10 on the last hidden state, MSE
loss, backward and a plain SGD step (lr 0.01). The NumPy versions derive forward and
backward by hand (backpropagation through time) and are the practical floor for a NumPy
framework. Run: python bench/bench_lstm.py [--gru]  (add --profile for a cProfile of deepgrad)
Each library alone in its own process (the primary figure): python bench/alone.py bench_lstm

Where deepgrad's time goes: the whole recurrent layer is one graph node
(``nn/functional/_rnn_layer.py``, with the kernels ``_lstm_kernel.py`` / ``_gru_kernel.py``),
so framework overhead (graph, engine, head, loss, SGD) is ~5 %. GEMMs are ~3/4 of the
rest (one thread: 7.2 of 9.3 ms). The GRU projects all input steps in one GEMM; the LSTM
folds the input projection and the bias into its step GEMM, [W_hh | W_ih | b] times the
stacked [h; x_t; 1] (one GEMM a step instead of a projection pass plus an add loop). The
weight gradients are single GEMMs over the T*N samples (the LSTM's one GEMM gives dW_hh,
dW_ih and db together), and each step has one GEMM forward and one backward
(OpenBLAS packs W_hh at every call; torch's oneDNN RNN packs it once per sequence). The
LSTM runs its recurrence feature-major (``_lstm_kernel.py``): a step's gates are a (4H, N)
block, W_hh h^T, and its backward product W_hh^T dA^T (H, N), the layouts in which
OpenBLAS's small products are fastest at 2 threads (23 and 26 us alone, against 34 and
32 us for torch's batch-major h W_hh^T and dA W_hh; ~30 and 31 against 38 and 36 inside
the layer); the outputs, states and gradients keep torch's layouts. The GRU stays
batch-major. The elementwise maths of a step is 2 NumPy tanh calls plus, with numba,
compiled loops (``_rnn_kernels.py``: for the LSTM the cell forward and the cell backward,
and the output h = o tanh(c) as one NumPy product). The
sequence-sized arrays come from a buffer cache (a fresh 3 MB array per call was faulted in
page by page: ~2.5 ms of a 7 ms forward at one thread).

Feature-major against the former batch-major LSTM kernel, this training step, the two
alternating in bursts of 5 steps in one process (shared, loaded 2-core machine; p20 of the
per-step wall time, per run): 2 threads 8.6 to 9.5 ms against 9.0 to 10.0, 0.3 to 0.6 ms
faster over 6 runs (the recurrent GEMMs ~0.7 ms faster, the extra compiled-loop calls of a
step ~0.25 ms slower); one thread 11.7 to 12.2 against 12.1 to 12.7, 0.35 to 0.5 ms faster.
The primary figures are bench/alone.py's."""
import os
import sys
import time

import numpy as np

import deepgrad as dg
from common import compare, machine_line, profile, report
from deepgrad.nn.functional.linear import linear
from deepgrad.nn import Linear
from deepgrad.optim.sgd import SGD

THREADS = int(os.environ.get("BENCH_THREADS", 2))
T, N, I, H, O, LR = 50, 32, 32, 128, 10, 0.01
rng = np.random.default_rng(0)
X = rng.standard_normal((N, T, I)).astype(np.float32)
Y = rng.standard_normal((N, O)).astype(np.float32)


def reference_weights(cell="LSTM"):
    """Starting weights for all three (torch's default init, drawn by deepgrad): NumPy arrays
    keyed ``lstm.<torch name>`` (the recurrent layer, LSTM or GRU) and ``head.weight``/
    ``head.bias``."""
    dg.manual_seed(0)
    lstm, head = getattr(dg.nn, cell)(I, H, batch_first=True), Linear(H, O)
    weights = {f"lstm.{k}": v.detach().numpy().copy() for k, v in lstm.state_dict().items()}
    weights.update({f"head.{k}": v.detach().numpy().copy() for k, v in head.state_dict().items()})
    return weights


def make_torch(w, cell="LSTM"):
    import torch  # noqa: PLC0415 - only the torch contender loads torch

    torch.set_num_threads(THREADS)
    lstm, head = getattr(torch.nn, cell)(I, H, batch_first=True), torch.nn.Linear(H, O)
    lstm.load_state_dict({k[5:]: torch.from_numpy(v.copy()) for k, v in w.items()
                          if k.startswith("lstm.")})
    head.load_state_dict({"weight": torch.from_numpy(w["head.weight"].copy()),
                          "bias": torch.from_numpy(w["head.bias"].copy())})
    params = list(lstm.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(params, lr=LR)
    x, y = torch.from_numpy(X), torch.from_numpy(Y)

    def step():
        opt.zero_grad()
        out, state = lstm(x)
        h = state[0] if cell == "LSTM" else state
        loss = ((head(h[-1]) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    return step


def make_deepgrad(w, cell="LSTM"):
    lstm = getattr(dg.nn, cell)(I, H, batch_first=True)
    lstm.load_state_dict({k[5:]: dg.tensor(v) for k, v in w.items() if k.startswith("lstm.")})
    weight = dg.nn.Parameter(dg.tensor(w["head.weight"]))
    bias = dg.nn.Parameter(dg.tensor(w["head.bias"]))
    opt = SGD(list(lstm.parameters()) + [weight, bias], lr=LR)
    x, y = dg.tensor(X), dg.tensor(Y)

    def step():
        opt.zero_grad()
        out, state = lstm(x)
        h = state[0] if cell == "LSTM" else state
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
        # b stands for b_ih + b_hh, and SGD moves each of the two by LR * db
        for p, g in ((w_ih, dw_ih), (w_hh, dw_hh), (b, 2 * db), (w_o, dw_o), (b_o, db_o)):
            p -= LR * g
        return loss

    return step


def make_numpy_gru(w):
    """A hand-written GRU step (gate order r, z, n): forward, backpropagation through time,
    SGD in place."""
    w_ih, w_hh = w["lstm.weight_ih_l0"].copy(), w["lstm.weight_hh_l0"].copy()
    b_ih, b_hh = w["lstm.bias_ih_l0"].copy(), w["lstm.bias_hh_l0"].copy()
    w_o, b_o = w["head.weight"].copy(), w["head.bias"].copy()
    x = np.ascontiguousarray(X.transpose(1, 0, 2))  # time-major

    def sig(a):
        return np.tanh(a * 0.5) * 0.5 + 0.5

    def step():
        xp = (x.reshape(T * N, I) @ w_ih.T + b_ih).reshape(T, N, 3 * H)
        w_hh_t = np.ascontiguousarray(w_hh.T)
        h = np.zeros((N, H), np.float32)
        hs, cache = [h], []
        for t in range(T):
            hp = h @ w_hh_t + b_hh
            r = sig(xp[t, :, :H] + hp[:, :H])
            z = sig(xp[t, :, H:2 * H] + hp[:, H:2 * H])
            hn = hp[:, 2 * H:]
            n = np.tanh(xp[t, :, 2 * H:] + r * hn)
            cache.append((r, z, n, hn, h))
            h = n + z * (h - n)
            hs.append(h)
        pred = h @ w_o.T + b_o
        loss = ((pred - Y) ** 2).mean()
        dpred = (pred - Y) * (2.0 / pred.size)
        dw_o, db_o = dpred.T @ h, dpred.sum(0)
        dh = dpred @ w_o
        dxp = np.empty((T, N, 3 * H), np.float32)
        dhp = np.empty((T, N, 3 * H), np.float32)
        for t in range(T - 1, -1, -1):
            r, z, n, hn, h_prev = cache[t]
            dan = dh * (1 - z) * (1 - n * n)
            dar = dan * hn * r * (1 - r)
            daz = dh * (h_prev - n) * z * (1 - z)
            dxp[t, :, :H], dxp[t, :, H:2 * H], dxp[t, :, 2 * H:] = dar, daz, dan
            dhp[t, :, :2 * H], dhp[t, :, 2 * H:] = dxp[t, :, :2 * H], dan * r
            dh = dh * z + dhp[t] @ w_hh
        dxp2, dhp2 = dxp.reshape(T * N, 3 * H), dhp.reshape(T * N, 3 * H)
        dw_ih = dxp2.T @ x.reshape(T * N, I)
        dw_hh = dhp2.T @ np.stack(hs[:-1]).reshape(T * N, H)
        grads = ((w_ih, dw_ih), (w_hh, dw_hh), (b_ih, dxp2.sum(0)), (b_hh, dhp2.sum(0)),
                 (w_o, dw_o), (b_o, db_o))
        for p, g in grads:
            p -= LR * g
        return loss

    return step


def main():
    cell = "GRU" if "--gru" in sys.argv else "LSTM"
    weights = reference_weights(cell)
    make_hand = make_numpy_gru if cell == "GRU" else make_numpy
    t_step, d_step, n_step = (make_torch(weights, cell), make_deepgrad(weights, cell),
                              make_hand(weights))
    # same weights: the first losses agree (a check that the three compute the same thing)
    print(f"first losses: torch {t_step().item():.6f}  deepgrad {d_step().item():.6f}  "
          f"numpy {float(n_step()):.6f}")
    if "--profile" in sys.argv:
        profile(d_step, rows=18)
        return
    print(machine_line())
    contenders = {"deepgrad": d_step, "torch": t_step, "numpy": n_step}
    times = compare(contenders, repeats=7)
    report(f"{cell} training step (seq {T}, input {I}, hidden {H}, batch {N}, float32)", times)
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
                                     ("numpy", make_numpy))},
         "gru": {"torch": lambda: make_torch(reference_weights("GRU"), "GRU"),
                 "deepgrad": lambda: make_deepgrad(reference_weights("GRU"), "GRU"),
                 "numpy": lambda: make_numpy_gru(reference_weights("GRU"))}}


if __name__ == "__main__":
    main()
