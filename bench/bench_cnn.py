"""LeNet-style CNN training step: deepgrad vs torch (CPU, 2 threads) vs hand-written NumPy.

Workload (float32, batch 64, 1x28x28 inputs): conv 1->32 3x3, ReLU, max-pool 2,
conv 32->64 3x3, ReLU, max-pool 2, flatten (1600), linear -> 10, cross-entropy,
backward and a plain SGD step (lr 0.01). All three start from the same weights.
The NumPy version derives forward and backward by hand (channels-last im2col +
GEMM, the same layouts deepgrad uses) and is the practical floor for a NumPy
framework. Run: python bench/bench_cnn.py      (add --profile for a cProfile of deepgrad,
--threads N to give torch and NumPy's BLAS N threads instead of 2: on a loaded machine,
one thread each gives steadier figures than two spinning BLAS threads)
"""
import os
import sys
import time

import numpy as np

import deepgrad as dg
from common import machine_line, profile, report, training_step
from deepgrad.nn.functional.loss import cross_entropy
from deepgrad.nn.modules.activation import ReLU
from deepgrad.nn.modules.container import Flatten, Sequential
from deepgrad.nn.modules.conv import Conv2d
from deepgrad.nn.modules.linear import Linear
from deepgrad.nn.modules.pooling import MaxPool2d
from deepgrad.optim.sgd import SGD

THREADS = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else \
    int(os.environ.get("BENCH_THREADS", 2))
N, LR = 64, 0.01
rng = np.random.default_rng(0)
X = rng.standard_normal((N, 1, 28, 28)).astype(np.float32)
Y = rng.integers(0, 10, N)


def deepgrad_model():
    return Sequential(Conv2d(1, 32, 3), ReLU(), MaxPool2d(2), Conv2d(32, 64, 3), ReLU(),
                      MaxPool2d(2), Flatten(), Linear(1600, 10))


def reference_weights():
    """The starting weights of all three (torch's default initialisation, drawn by deepgrad,
    whose initialisers follow torch's distributions), as NumPy arrays keyed as torch's."""
    dg.manual_seed(0)
    return {k: v.detach().numpy().copy() for k, v in deepgrad_model().state_dict().items()}


def make_torch(weights):
    import torch  # noqa: PLC0415 - only the torch contender loads torch

    torch.set_num_threads(THREADS)
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 10))
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.items()})
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    return training_step(model, opt, torch.nn.functional.cross_entropy, torch.from_numpy(X),
                         torch.from_numpy(Y))


def make_deepgrad(weights):
    dg.set_num_threads(THREADS)  # BLAS and the compiled loops, as torch.set_num_threads above
    model = deepgrad_model()
    model.load_state_dict({k: dg.tensor(v) for k, v in weights.items()})
    opt = SGD(model.parameters(), lr=LR)
    return training_step(model, opt, cross_entropy, dg.tensor(X), dg.tensor(Y))


# --- hand-written NumPy ------------------------------------------------------------------------

def _pool2(r):
    """2x2 max-pool of channels-last r (N, H, W, C): (output, tap index of the first max)."""
    h, w = r.shape[1] // 2 * 2, r.shape[2] // 2 * 2
    taps = [r[:, a:h:2, b:w:2] for a in (0, 1) for b in (0, 1)]
    best, idx = taps[0].copy(), np.zeros(taps[0].shape, np.uint8)
    for k in (1, 2, 3):
        better = taps[k] > best
        np.maximum(best, taps[k], out=best)
        np.maximum(idx, np.multiply(better, k, dtype=np.uint8), out=idx)
    return best, idx


def _unpool2(g, idx, shape):
    gr = np.zeros(shape, g.dtype)
    for k in range(4):
        a, b = divmod(k, 2)
        np.multiply(g, idx == k, out=gr[:, a:2 * g.shape[1]:2, b:2 * g.shape[2]:2])
    return gr


def make_numpy(weights):
    sd = {k: v.copy() for k, v in weights.items()}
    w1 = sd["0.weight"].reshape(32, 9).T.copy()                       # (9, 32)
    b1 = sd["0.bias"]
    w2 = sd["3.weight"].transpose(2, 3, 1, 0).reshape(288, 64).copy()  # (kh*kw*C, O)
    b2 = sd["3.bias"]
    wf, bf = sd["7.weight"], sd["7.bias"]
    x = X[:, 0]
    onehot = np.eye(10, dtype=np.float32)[Y]
    ones1 = np.ones(N * 26 * 26, np.float32)
    ones2 = np.ones(N * 11 * 11, np.float32)
    as_strided = np.lib.stride_tricks.as_strided

    def step():
        # conv1 (one input channel: shifted slices into a (9, N*26*26) matrix)
        cols1 = np.empty((9, N, 26, 26), np.float32)
        for k in range(9):
            a, b = divmod(k, 3)
            cols1[k] = x[:, a:a + 26, b:b + 26]
        cols1 = cols1.reshape(9, -1)
        y1 = cols1.T @ w1
        y1 += b1
        r1 = np.maximum(y1, 0).reshape(N, 26, 26, 32)
        p1, i1 = _pool2(r1)
        # conv2 (im2col through a strided view, one GEMM)
        s = p1.strides
        cols2 = as_strided(p1, (N, 11, 11, 3, 3, 32), (s[0], s[1], s[2], s[1], s[2], s[3]))
        cols2 = cols2.reshape(N * 121, 288)
        y2 = cols2 @ w2
        y2 += b2
        r2 = np.maximum(y2, 0).reshape(N, 11, 11, 64)
        p2, i2 = _pool2(r2)
        f = p2.transpose(0, 3, 1, 2).reshape(N, 1600)
        logits = f @ wf.T + bf
        # cross-entropy and its gradient
        z = logits - logits.max(1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(1, keepdims=True)
        loss = -np.log(p[np.arange(N), Y]).mean()
        dl = (p - onehot) / N
        # backward
        gwf, gbf = dl.T @ f, dl.sum(0)
        gp2 = (dl @ wf).reshape(N, 64, 5, 5).transpose(0, 2, 3, 1)
        gy2 = _unpool2(gp2, i2, r2.shape).reshape(N * 121, 64)
        gy2 *= y2 > 0
        gw2, gb2 = cols2.T @ gy2, ones2 @ gy2
        gcols = np.matmul(gy2, w2.reshape(9, 32, 64).transpose(0, 2, 1))  # (9, N*121, 32)
        gp1 = np.zeros((N, 13, 13, 32), np.float32)
        for k in range(9):
            a, b = divmod(k, 3)
            gp1[:, a:a + 11, b:b + 11] += gcols[k].reshape(N, 11, 11, 32)
        gy1 = _unpool2(gp1, i1, r1.shape).reshape(-1, 32)
        gy1 *= y1 > 0
        gw1, gb1 = cols1 @ gy1, ones1 @ gy1
        for param, grad in ((w1, gw1), (b1, gb1), (w2, gw2), (b2, gb2), (wf, gwf), (bf, gbf)):
            param -= LR * grad
        return float(loss)

    return step


def main():
    from threadpoolctl import threadpool_limits  # noqa: PLC0415 - installed with scikit-learn

    with threadpool_limits(limits=THREADS, user_api="blas"):
        run()


def run():
    weights = reference_weights()
    t_step, d_step, n_step = make_torch(weights), make_deepgrad(weights), make_numpy(weights)
    losses = (t_step(), d_step(), n_step())  # first step from the same weights
    print(f"first-step losses (torch, deepgrad, numpy): {losses}")
    if "--profile" in sys.argv:
        profile(d_step, rows=25)
        return
    print(machine_line())
    contenders = {"torch": t_step, "deepgrad": d_step, "numpy": n_step}
    clock = time.perf_counter if THREADS > 1 else time.process_time
    what = "wall clock" if THREADS > 1 else "CPU time of the one thread (insensitive to load)"
    medians, minima = step_times(contenders, clock)
    report(f"LeNet-style CNN step (batch 64, 1x28x28, float32), {THREADS} thread(s), {what}, "
           f"median", medians)
    report("same, best step (the least disturbed by other processes)", minima)


def step_times(contenders, clock, rounds=80, budget_s=40.0):
    """Median and minimum seconds per step, one step of each contender in turn per round.

    Alternating single steps shares the machine's noise fairly; on a shared machine the
    minimum is the steadier figure, the median the more typical one. Stops early (after
    at least 5 rounds) when ``budget_s`` seconds have passed.
    """
    samples = {name: [] for name in contenders}
    for fn in contenders.values():
        fn()
    start = time.perf_counter()
    for r in range(rounds):
        if r >= 5 and time.perf_counter() - start > budget_s:
            break
        for name, fn in contenders.items():
            t0 = clock()
            fn()
            samples[name].append(clock() - t0)
    return ({n: float(np.median(s)) for n, s in samples.items()},
            {n: float(np.min(s)) for n, s in samples.items()})


# bench/alone.py: each contender alone in a fresh process (the primary figure)
ALONE = {"cnn": {name: (lambda make=make: make(reference_weights()))
                 for name, make in (("torch", make_torch), ("deepgrad", make_deepgrad),
                                    ("numpy", make_numpy))}}


if __name__ == "__main__":
    main()
