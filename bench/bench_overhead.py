"""Per-op overhead: tiny workloads where framework bookkeeping, not arithmetic, dominates.

1. forward + backward of a * b + c on 4-element tensors;
2. one training step of a 64-32-10 MLP (batch 32): two matmuls with bias, ReLU,
   log-softmax cross-entropy, backward, and an in-place SGD update.

deepgrad uses only its tensor core here (no nn/optim), torch the same ops, and the
NumPy version is the hand-derived forward/backward: the practical floor.
Run: python bench/bench_overhead.py
"""
import numpy as np
import torch

import deepgrad as dg
from common import compare, machine_line, report

torch.set_num_threads(2)
rng = np.random.default_rng(0)


def tiny_expression():
    arrays = [rng.standard_normal(4).astype(np.float32) for _ in range(3)]
    da, db, dc = [dg.tensor(a, requires_grad=True) for a in arrays]
    ta, tb, tc = [torch.tensor(a, requires_grad=True) for a in arrays]

    def run_dg():
        (da * db + dc).sum().backward()

    def run_torch():
        (ta * tb + tc).sum().backward()

    def run_numpy():
        a, b, c = arrays
        _ = (a * b + c).sum()
        g = np.ones_like(a)
        return g * b, g * a, g

    return {"deepgrad": run_dg, "torch": run_torch, "numpy": run_numpy}


def mlp_step(batch=32, n_in=64, n_hidden=32, n_out=10, lr=0.01):
    x = rng.standard_normal((batch, n_in)).astype(np.float32)
    y = rng.integers(0, n_out, batch)
    w1 = (rng.standard_normal((n_in, n_hidden)) * 0.1).astype(np.float32)
    w2 = (rng.standard_normal((n_hidden, n_out)) * 0.1).astype(np.float32)
    b1, b2 = np.zeros(n_hidden, np.float32), np.zeros(n_out, np.float32)

    dparams = [dg.tensor(p, requires_grad=True) for p in (w1, b1, w2, b2)]
    dx, dy = dg.tensor(x), dg.tensor(y)
    rows = dg.arange(batch)

    def run_dg():
        W1, B1, W2, B2 = dparams
        h = (dx @ W1 + B1).relu()
        logp = (h @ W2 + B2).log_softmax(1)
        loss = -logp[rows, dy].mean()
        for p in dparams:
            p.grad = None
        loss.backward()
        with dg.no_grad():
            for p in dparams:
                p.sub_(p.grad, alpha=lr)

    tparams = [torch.tensor(p, requires_grad=True) for p in (w1, b1, w2, b2)]
    tx, ty = torch.tensor(x), torch.tensor(y)

    def run_torch():
        W1, B1, W2, B2 = tparams
        h = (tx @ W1 + B1).relu()
        loss = torch.nn.functional.cross_entropy(h @ W2 + B2, ty)
        for p in tparams:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in tparams:
                p.sub_(p.grad, alpha=lr)

    nparams = [p.copy() for p in (w1, b1, w2, b2)]
    onehot = np.eye(n_out, dtype=np.float32)[y]

    def run_numpy():
        W1, B1, W2, B2 = nparams
        z1 = x @ W1 + B1
        h = np.maximum(z1, 0)
        z2 = h @ W2 + B2
        z2 = z2 - z2.max(axis=1, keepdims=True)
        e = np.exp(z2)
        p = e / e.sum(axis=1, keepdims=True)
        g2 = (p - onehot) / batch
        gW2, gB2 = h.T @ g2, g2.sum(axis=0)
        gh = (g2 @ W2.T) * (z1 > 0)
        gW1, gB1 = x.T @ gh, gh.sum(axis=0)
        for param, grad in zip(nparams, (gW1, gB1, gW2, gB2)):
            param -= lr * grad

    return {"deepgrad": run_dg, "torch": run_torch, "numpy": run_numpy}


def mlp_nn_step(batch=32, n_in=64, n_hidden=32, n_out=10, lr=0.01):
    """The same MLP written as users write it: nn.Sequential, cross_entropy, optim.SGD."""
    x = rng.standard_normal((batch, n_in)).astype(np.float32)
    y = rng.integers(0, n_out, batch)

    def build(lib):
        model = lib.nn.Sequential(lib.nn.Linear(n_in, n_hidden), lib.nn.ReLU(),
                                  lib.nn.Linear(n_hidden, n_out))
        return model, lib.optim.SGD(model.parameters(), lr=lr), lib.tensor(x), lib.tensor(y)

    def stepper(lib):
        model, opt, xs, ys = build(lib)
        loss_fn = lib.nn.functional.cross_entropy

        def step():
            opt.zero_grad()
            loss_fn(model(xs), ys).backward()
            opt.step()
        return step

    return {"deepgrad": stepper(dg), "torch": stepper(torch), "numpy": mlp_step()["numpy"]}


if __name__ == "__main__":
    print(machine_line())
    report("a * b + c, forward + backward (4 elements)", compare(tiny_expression()))
    report("MLP 64-32-10 training step, batch 32 (core ops only)", compare(mlp_step()))
    report("MLP 64-32-10 training step, batch 32 (nn.Sequential, cross_entropy, optim.SGD)",
           compare(mlp_nn_step()))
