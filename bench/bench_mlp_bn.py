"""MLP with BatchNorm1d and Dropout, one training step: deepgrad vs torch (CPU, 2 threads)
vs hand-written NumPy.

Workload (float32, batch 128): 784 -> 256, BatchNorm1d, ReLU, Dropout(0.2), 256 -> 128,
BatchNorm1d, ReLU, 128 -> 10, cross-entropy, backward, plain SGD step (lr 0.01); the
BatchNorm running statistics are updated as in training. All three start from the same
weights; before timing, the three are run for a few steps with dropout off and their
losses compared, so the timed code is known to compute the same thing.

The NumPy version derives forward and backward by hand (fused batch-norm backward,
dropout masks from raw random bits, in-place SGD) and is the practical floor for a NumPy
framework. Run: python bench/bench_mlp_bn.py     (add --profile for a cProfile of deepgrad)

``ALONE`` also holds ``mlp``, the plain MLP of issue 13 (784 -> 512 -> 256 -> 10, ReLU,
cross-entropy, plain SGD, batch 128, float32: no BatchNorm, no Dropout), for
``python bench/alone.py bench_mlp_bn --workload mlp``.
"""
import os
import sys

import numpy as np

import deepgrad as dg
from common import compare, machine_line, profile, report, training_step
from deepgrad.nn.functional.loss import cross_entropy
from deepgrad.nn.modules.activation import ReLU
from deepgrad.nn.modules.batchnorm import BatchNorm1d
from deepgrad.nn.modules.container import Sequential
from deepgrad.nn.modules.dropout import Dropout
from deepgrad.nn.modules.linear import Linear
from deepgrad.optim.sgd import SGD

THREADS = int(os.environ.get("BENCH_THREADS", 2))
N, LR, EPS, MOM = 128, 0.01, 1e-5, 0.1
rng = np.random.default_rng(0)
X = rng.standard_normal((N, 784)).astype(np.float32)
Y = rng.integers(0, 10, N)


def deepgrad_model(p):
    return Sequential(Linear(784, 256), BatchNorm1d(256), ReLU(), Dropout(p),
                      Linear(256, 128), BatchNorm1d(128), ReLU(), Linear(128, 10))


def reference_weights():
    """Starting weights and buffers of all three (torch's default init, drawn by deepgrad)."""
    dg.manual_seed(0)
    return {k: v.detach().numpy().copy() for k, v in deepgrad_model(0.0).state_dict().items()}


def make_torch(weights, p):
    import torch  # noqa: PLC0415 - only the torch contender loads torch

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(p),
                          nn.Linear(256, 128), nn.BatchNorm1d(128), nn.ReLU(),
                          nn.Linear(128, 10))
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.items()})
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    return training_step(model, opt, torch.nn.functional.cross_entropy, torch.from_numpy(X),
                         torch.from_numpy(Y))


def make_deepgrad(weights, p):
    model = deepgrad_model(p)
    model.load_state_dict({k: v.copy() for k, v in weights.items()})
    opt = SGD(model.parameters(), lr=LR)
    return training_step(model, opt, cross_entropy, dg.tensor(X), dg.tensor(Y))


# --- hand-written NumPy --------------------------------------------------------------------

def _bn_forward(h, gamma, beta, running):
    ones = np.ones((1, h.shape[0]), h.dtype)
    n = h.shape[0]
    mean = (ones @ h) * (1.0 / n)
    xc = h - mean
    var = (ones @ (xc * xc)) * (1.0 / n)
    invstd = 1.0 / np.sqrt(var + EPS)
    rm, rv = running
    rm *= 1.0 - MOM
    rm += MOM * mean[0]
    rv *= 1.0 - MOM
    rv += (MOM * n / (n - 1)) * var[0]
    y = xc * (invstd * gamma)
    y += beta
    return y, xc, invstd


def _bn_backward(g, xc, invstd, gamma):
    ones = np.ones((1, g.shape[0]), g.dtype)
    n = g.shape[0]
    dbeta = ones @ g
    dgamma = (ones @ (g * xc)) * invstd
    dx = g - dbeta * (1.0 / n)
    dx -= xc * (dgamma * invstd * (1.0 / n))
    dx *= invstd * gamma
    return dx, dgamma[0], dbeta[0]


def _cross_entropy(logits, rows):
    """Mean cross-entropy of the labels Y and its gradient wrt the logits, by hand:
    (loss, (softmax - one_hot) / N), the softmax shifted by each row's max."""
    m = logits.max(axis=1, keepdims=True)
    e = np.exp(logits - m)
    s = e.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(s[:, 0]) + m[:, 0] - logits[rows, Y]))
    dlog = e / s
    dlog[rows, Y] -= 1.0
    dlog *= 1.0 / N
    return loss, dlog


def make_numpy(weights, p):
    sd = {k: v.copy() for k, v in weights.items()}
    W1, b1, g1, be1 = sd["0.weight"], sd["0.bias"], sd["1.weight"], sd["1.bias"]
    W2, b2, g2, be2 = sd["4.weight"], sd["4.bias"], sd["5.weight"], sd["5.bias"]
    W3, b3 = sd["7.weight"], sd["7.bias"]
    run1 = (sd["1.running_mean"], sd["1.running_var"])
    run2 = (sd["5.running_mean"], sd["5.running_var"])
    params = [W1, b1, g1, be1, W2, b2, g2, be2, W3, b3]
    gen = np.random.default_rng(1)
    rows = np.arange(N)
    ones = np.ones((1, N), np.float32)
    threshold = min(int(round(p * 2.0 ** 32)), 2 ** 32 - 1)

    def step():
        # forward
        h1 = X @ W1.T
        h1 += b1
        z1, xh1, inv1 = _bn_forward(h1, g1, be1, run1)
        r1 = np.maximum(z1, 0)
        bits = gen.bit_generator.random_raw(r1.size // 2).view(np.uint32).reshape(r1.shape)
        mask = (bits >= threshold).astype(np.float32)
        mask *= 1.0 / (1.0 - p)
        d1 = r1 * mask
        h2 = d1 @ W2.T
        h2 += b2
        z2, xh2, inv2 = _bn_forward(h2, g2, be2, run2)
        r2 = np.maximum(z2, 0)
        logits = r2 @ W3.T
        logits += b3
        loss, dlog = _cross_entropy(logits, rows)
        dW3, db3 = dlog.T @ r2, (ones @ dlog)[0]
        dz2 = dlog @ W3
        dz2 *= z2 > 0
        dh2, dg2, dbe2 = _bn_backward(dz2, xh2, inv2, g2)
        dW2, db2 = dh2.T @ d1, (ones @ dh2)[0]
        dz1 = dh2 @ W2
        dz1 *= mask
        dz1 *= z1 > 0
        dh1, dg1, dbe1 = _bn_backward(dz1, xh1, inv1, g1)
        dW1, db1 = dh1.T @ X, (ones @ dh1)[0]
        for prm, grad in zip(params, (dW1, db1, dg1, dbe1, dW2, db2, dg2, dbe2, dW3, db3)):
            prm -= LR * grad
        return loss

    return step


def check_same_losses():
    """Without dropout the three must follow the same trajectory (float32 round-off)."""
    w = reference_weights()
    t_step, d_step, n_step = make_torch(w, 0.0), make_deepgrad(w, 0.0), make_numpy(w, 0.0)
    for _ in range(3):
        losses = [d_step(), n_step(), t_step()]
        assert np.allclose(losses, losses[2], rtol=1e-4), f"losses differ: {losses}"


def main():
    check_same_losses()
    check_plain_same_losses()
    w = reference_weights()
    t_step, d_step, n_step = make_torch(w, 0.2), make_deepgrad(w, 0.2), make_numpy(w, 0.2)
    if "--profile" in sys.argv:
        profile(d_step, steps=300)
        return
    print(machine_line())
    times = compare({"deepgrad": d_step, "torch": t_step, "numpy": n_step}, repeats=9)
    report("MLP 784-256-BN-ReLU-Dropout-128-BN-ReLU-10, batch 128, float32, SGD step", times)
    pw = plain_reference_weights()
    times = compare({"deepgrad": make_plain_deepgrad(pw), "torch": make_plain_torch(pw),
                     "numpy": make_plain_numpy(pw)}, repeats=9)
    report("MLP 784-512-ReLU-256-ReLU-10, batch 128, float32, SGD step", times)


# --- the plain MLP (issue 13's "plain MLP >= 1.1x torch") ----------------------------------
PLAIN_SIZES = (784, 512, 256, 10)


def plain_deepgrad_model():
    nn = dg.nn
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                         nn.Linear(256, 10))


def plain_reference_weights():
    """Starting weights of all three plain-MLP contenders (torch's default init, by deepgrad)."""
    dg.manual_seed(0)
    return {k: v.detach().numpy().copy() for k, v in plain_deepgrad_model().state_dict().items()}


def make_plain_torch(weights):
    import torch  # noqa: PLC0415 - only the torch contender loads torch

    torch.set_num_threads(THREADS)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                          nn.Linear(256, 10))
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.items()})
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    return training_step(model, opt, torch.nn.functional.cross_entropy, torch.from_numpy(X),
                         torch.from_numpy(Y))


def make_plain_deepgrad(weights):
    model = plain_deepgrad_model()
    model.load_state_dict({k: v.copy() for k, v in weights.items()})
    opt = SGD(model.parameters(), lr=LR)
    return training_step(model, opt, cross_entropy, dg.tensor(X), dg.tensor(Y))


def make_plain_numpy(weights):
    """The plain MLP's forward and backward derived by hand, updates in place."""
    sd = {k: v.copy() for k, v in weights.items()}
    W1, b1, W2, b2 = sd["0.weight"], sd["0.bias"], sd["2.weight"], sd["2.bias"]
    W3, b3 = sd["4.weight"], sd["4.bias"]
    params = [W1, b1, W2, b2, W3, b3]
    rows = np.arange(N)
    ones = np.ones((1, N), np.float32)

    def step():
        z1 = X @ W1.T
        z1 += b1
        r1 = np.maximum(z1, 0)
        z2 = r1 @ W2.T
        z2 += b2
        r2 = np.maximum(z2, 0)
        logits = r2 @ W3.T
        logits += b3
        loss, dlog = _cross_entropy(logits, rows)
        dW3, db3 = dlog.T @ r2, (ones @ dlog)[0]
        dz2 = dlog @ W3
        dz2 *= z2 > 0
        dW2, db2 = dz2.T @ r1, (ones @ dz2)[0]
        dz1 = dz2 @ W2
        dz1 *= z1 > 0
        dW1, db1 = dz1.T @ X, (ones @ dz1)[0]
        for prm, grad in zip(params, (dW1, db1, dW2, db2, dW3, db3)):
            prm -= LR * grad
        return loss

    return step


def check_plain_same_losses():
    """The three plain MLPs follow the same trajectory (float32 round-off)."""
    w = plain_reference_weights()
    steps = [make_plain_deepgrad(w), make_plain_numpy(w), make_plain_torch(w)]
    for _ in range(3):
        losses = [s() for s in steps]
        assert np.allclose(losses, losses[2], rtol=1e-4), f"losses differ: {losses}"


# bench/alone.py: each contender alone in a fresh process (the primary figure)
ALONE = {"mlp_bn": {name: (lambda make=make: make(reference_weights(), 0.2))
                    for name, make in (("torch", make_torch), ("deepgrad", make_deepgrad),
                                       ("numpy", make_numpy))},
         "mlp": {name: (lambda make=make: make(plain_reference_weights()))
                 for name, make in (("torch", make_plain_torch), ("deepgrad", make_plain_deepgrad),
                                    ("numpy", make_plain_numpy))}}


if __name__ == "__main__":
    main()
