"""Per-op overhead: tiny workloads where framework bookkeeping, not arithmetic, dominates.

1. forward + backward of a * b + c on 4-element tensors;
2. one training step of a 64-32-10 MLP (batch 32): two matmuls with bias, ReLU,
   log-softmax cross-entropy, backward, and an in-place SGD update;
3. the same MLP written as users write it (nn.Sequential, F.cross_entropy, optim.SGD);
4. a character-level GRU written cell by cell (Embedding, Linear, sigmoid/tanh, cat per step).

deepgrad uses only its tensor core in 2 (no nn/optim), torch the same ops, and the
NumPy version is the hand-derived forward/backward: the practical floor.
Run: python bench/bench_overhead.py            (all three in one process, alternating)
     python bench/alone.py bench_overhead      (each alone in its own process: primary figure)
Each workload function takes the contenders to build, so a process builds (and imports) only
its own library.
"""
import os

import numpy as np

import deepgrad as dg
from common import compare, machine_line, report

ALL = ("deepgrad", "torch", "numpy")


def _torch():
    import torch  # noqa: PLC0415 - only the torch contender loads torch

    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", 2)))
    return torch


def tiny_expression(names=ALL):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(4).astype(np.float32) for _ in range(3)]
    steps = {}
    if "deepgrad" in names:
        da, db, dc = [dg.tensor(a, requires_grad=True) for a in arrays]
        steps["deepgrad"] = lambda: (da * db + dc).sum().backward()
    if "torch" in names:
        torch = _torch()
        ta, tb, tc = [torch.tensor(a, requires_grad=True) for a in arrays]
        steps["torch"] = lambda: (ta * tb + tc).sum().backward()
    if "numpy" in names:
        def run_numpy():
            a, b, c = arrays
            _ = (a * b + c).sum()
            g = np.ones_like(a)
            return g * b, g * a, g
        steps["numpy"] = run_numpy
    return steps


def _mlp_data(batch, n_in, n_hidden, n_out):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, n_in)).astype(np.float32)
    y = rng.integers(0, n_out, batch)
    w1 = (rng.standard_normal((n_in, n_hidden)) * 0.1).astype(np.float32)
    w2 = (rng.standard_normal((n_hidden, n_out)) * 0.1).astype(np.float32)
    b1, b2 = np.zeros(n_hidden, np.float32), np.zeros(n_out, np.float32)
    return x, y, (w1, b1, w2, b2)


def _numpy_mlp_step(x, y, params, lr):
    nparams = [p.copy() for p in params]
    onehot = np.eye(nparams[2].shape[1], dtype=np.float32)[y]
    batch = x.shape[0]

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

    return run_numpy


def mlp_step(names=ALL, batch=32, n_in=64, n_hidden=32, n_out=10, lr=0.01):
    x, y, params = _mlp_data(batch, n_in, n_hidden, n_out)
    steps = {}
    if "deepgrad" in names:
        dparams = [dg.tensor(p, requires_grad=True) for p in params]
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
        steps["deepgrad"] = run_dg
    if "torch" in names:
        torch = _torch()
        tparams = [torch.tensor(p, requires_grad=True) for p in params]
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
        steps["torch"] = run_torch
    if "numpy" in names:
        steps["numpy"] = _numpy_mlp_step(x, y, params, lr)
    return steps


def mlp_nn_step(names=ALL, batch=32, n_in=64, n_hidden=32, n_out=10, lr=0.01):
    """The same MLP written as users write it: nn.Sequential, cross_entropy, optim.SGD."""
    x, y, params = _mlp_data(batch, n_in, n_hidden, n_out)

    def stepper(lib):
        model = lib.nn.Sequential(lib.nn.Linear(n_in, n_hidden), lib.nn.ReLU(),
                                  lib.nn.Linear(n_hidden, n_out))
        opt = lib.optim.SGD(model.parameters(), lr=lr)
        xs, ys = lib.tensor(x), lib.tensor(y)
        loss_fn = lib.nn.functional.cross_entropy

        def step():
            opt.zero_grad()
            loss_fn(model(xs), ys).backward()
            opt.step()
        return step

    steps = {}
    if "deepgrad" in names:
        steps["deepgrad"] = stepper(dg)
    if "torch" in names:
        steps["torch"] = stepper(_torch())
    if "numpy" in names:
        steps["numpy"] = _numpy_mlp_step(x, y, params, lr)
    return steps


def gru_cells_step(names=ALL, vocab=65, embed=32, hidden=128, seq=32, batch=16, lr=0.01):
    """A character-level GRU written cell by cell, as tutorials write it: per step an
    Embedding row, a ``cat`` of input and state, two Linear gates through sigmoid, a
    candidate through tanh, and the blend ``(1 - z) * h + z * n``; cross-entropy over all
    steps, backward, SGD. Many small ops: the per-op path dominates. (No NumPy contender:
    a hand-written GRU backward is not a reference anyone writes.)"""
    rng = np.random.default_rng(2)
    chars = rng.integers(0, vocab, (seq + 1, batch))

    def stepper(lib):
        lib.manual_seed(0)
        nn, F = lib.nn, lib.nn.functional
        emb = nn.Embedding(vocab, embed)
        gates = nn.Linear(embed + hidden, 2 * hidden)     # reset and update gates
        cand_x, cand_h = nn.Linear(embed, hidden), nn.Linear(hidden, hidden)
        head = nn.Linear(hidden, vocab)
        params = [p for m in (emb, gates, cand_x, cand_h, head) for p in m.parameters()]
        opt = lib.optim.SGD(params, lr=lr)
        inputs = lib.tensor(chars[:-1])
        targets = lib.tensor(chars[1:])

        def step():
            opt.zero_grad()
            h = lib.zeros(batch, hidden)
            logits = []
            for t in range(seq):
                x = emb(inputs[t])
                r, z = lib.sigmoid(gates(lib.cat([x, h], 1))).chunk(2, 1)
                n = lib.tanh(cand_x(x) + r * cand_h(h))
                h = (1 - z) * h + z * n
                logits.append(head(h))
            loss = F.cross_entropy(lib.cat(logits, 0), targets.reshape(-1))
            loss.backward()
            opt.step()
        return step

    steps = {}
    if "deepgrad" in names:
        steps["deepgrad"] = stepper(dg)
    if "torch" in names:
        steps["torch"] = stepper(_torch())
    return steps


WORKLOADS = {"a*b+c": tiny_expression, "mlp_core_ops": mlp_step, "mlp_nn": mlp_nn_step,
             "gru_cells": gru_cells_step}
GRU_CONTENDERS = ("deepgrad", "torch")
# bench/alone.py: each contender alone in a fresh process (the primary figure)
ALONE = {name: {who: (lambda make=make, who=who: make((who,))[who])
                for who in (GRU_CONTENDERS if name == "gru_cells" else ALL)}
         for name, make in WORKLOADS.items()}


if __name__ == "__main__":
    print(machine_line())
    report("a * b + c, forward + backward (4 elements)", compare(tiny_expression()))
    report("MLP 64-32-10 training step, batch 32 (core ops only)", compare(mlp_step()))
    report("MLP 64-32-10 training step, batch 32 (nn.Sequential, cross_entropy, optim.SGD)",
           compare(mlp_nn_step()))
    report("character-level GRU written cell by cell (vocab 65, embed 32, hidden 128, seq 32, "
           "batch 16)", compare(gru_cells_step(("deepgrad", "torch"))))
