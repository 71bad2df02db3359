"""The Trainer's overhead per training step, against the hand-written loop it replaces.

Workload: one epoch of a 64-128-10 MLP (ReLU, cross-entropy, SGD with momentum) over 2,048
samples in batches of 64 (32 optimizer steps), from the same DataLoader:

* ``hand``: ``for xb, yb in loader: zero_grad; loss = loss_fn(model(xb), yb);
  loss.backward(); step; total += loss.item() * len(yb)`` (what a user writes);
* ``trainer``: ``Trainer(...).fit(loader, epochs=1)`` with no metrics and ``progress=None``
  (its dry run, callback list and History included: they are part of every ``fit``);
* ``trainer_acc``: the same with ``metrics=["accuracy"]`` (for information).

A second workload, ``tiny_epoch`` (a 4-2 linear model, batches of 8, 32 steps), makes the
arithmetic negligible, so the difference per step is the Trainer's own bookkeeping in
microseconds.

Each variant runs alone in a fresh process, in interleaved rounds (``bench/alone.py``);
the figure is the median over rounds of trainer time / hand time, minus one.

    python bench/bench_trainer.py [--rounds 5] [--seconds 4]
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
N, BATCH, FEATURES, HIDDEN, CLASSES = 2048, 64, 64, 128, 10


def _setup(tiny=False):
    import deepgrad
    from deepgrad import nn, optim
    from deepgrad.utils.data import DataLoader, TensorDataset

    n, batch, features = (32 * 8, 8, 4) if tiny else (N, BATCH, FEATURES)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, features)).astype(np.float32)
    y = rng.integers(0, 2 if tiny else CLASSES, n)
    deepgrad.manual_seed(0)
    model = (nn.Linear(features, 2) if tiny else
             nn.Sequential(nn.Linear(FEATURES, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, CLASSES)))
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loader = DataLoader(TensorDataset(deepgrad.tensor(X), deepgrad.tensor(y)),
                        batch_size=batch, shuffle=True,
                        generator=deepgrad.Generator().manual_seed(0))
    return model, opt, nn.CrossEntropyLoss(), loader


def hand(tiny=False):
    model, opt, loss_fn, loader = _setup(tiny)

    def epoch():
        model.train()
        total, count = 0.0, 0
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
            count += len(yb)
        return total / count
    return epoch


def trainer(metrics=(), tiny=False):
    from deepgrad.train import Trainer
    model, opt, loss_fn, loader = _setup(tiny)
    t = Trainer(model, opt, loss_fn, metrics=list(metrics), progress=None)
    return lambda: t.fit(loader, epochs=1)


ALONE = {"mlp_epoch": {"hand": hand, "trainer": trainer,
                       "trainer_acc": lambda: trainer(["accuracy"])},
         "tiny_epoch": {"hand": lambda: hand(tiny=True),
                        "trainer": lambda: trainer(tiny=True)}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, HERE)
    import alone
    results = alone.measure("bench_trainer", args.rounds, args.seconds, args.threads)
    for workload, runs_by_name in results.items():
        by = {name: [r["median"] for r in runs] for name, runs in runs_by_name.items()}
        steps = 32
        print(f"{workload}: {steps} steps per epoch, {args.rounds} interleaved rounds")
        for name, ts in by.items():
            print(f"  {name:>12}: median {np.median(ts) * 1e6 / steps:8.1f} us/step "
                  f"(rounds {min(ts) * 1e6 / steps:.1f}-{max(ts) * 1e6 / steps:.1f})")
        for name in by:
            if name == "hand":
                continue
            ratios = [t / h for t, h in zip(by[name], by["hand"])]
            extra = (np.median(by[name]) - np.median(by["hand"])) * 1e6 / steps
            print(f"  {name} / hand: median ratio {np.median(ratios):.3f} (overhead "
                  f"{(np.median(ratios) - 1) * 100:+.1f} %, {extra:+.1f} us/step), rounds "
                  f"{min(ratios):.3f}-{max(ratios):.3f}")


if __name__ == "__main__":
    main()
