"""deepgrad demo: train a two-layer network on two interleaved spirals.

Everything here is the tensor core: parameters are tensors with
requires_grad=True, the loss is built from ordinary ops, ``backward()`` fills
``.grad``, and plain gradient descent updates the weights in place.
Run: python examples/demo.py
"""
import math

import numpy as np

import deepgrad as dg


def spirals(n_per_class=200, noise=0.15, seed=0):
    """Two spirals in the plane: points (x, y) and labels 0/1."""
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.uniform(0, 1, n_per_class)) * 3 * math.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (3 * math.pi)
    x = np.concatenate([arm, -arm]) + rng.normal(0, noise / 3, (2 * n_per_class, 2))
    y = np.concatenate([np.zeros(n_per_class), np.ones(n_per_class)]).astype(np.int64)
    return x.astype(np.float32), y


def main(epochs=1500, hidden=64, lr=0.5):
    dg.manual_seed(0)
    x_np, y_np = spirals()
    x, y = dg.tensor(x_np), dg.tensor(y_np)
    # He initialisation for the ReLU layer, small weights for the output layer
    w1 = (dg.randn(2, hidden) * math.sqrt(2 / 2)).requires_grad_()
    b1 = dg.zeros(hidden, requires_grad=True)
    w2 = (dg.randn(hidden, 2) * 0.1).requires_grad_()
    b2 = dg.zeros(2, requires_grad=True)
    params = [w1, b1, w2, b2]
    rows = dg.arange(len(y))
    print(f"two-layer network 2-{hidden}-2 on {len(y)} spiral points, full-batch gradient descent")
    for epoch in range(epochs + 1):
        hidden_act = (x @ w1 + b1).relu()
        log_probs = (hidden_act @ w2 + b2).log_softmax(dim=1)
        loss = -log_probs[rows, y].mean()          # cross-entropy
        for p in params:
            p.grad = None
        loss.backward()
        with dg.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=lr)           # p <- p - lr * dL/dp
        if epoch % 150 == 0:
            accuracy = (log_probs.argmax(1) == y).float().mean().item()
            print(f"epoch {epoch:5d}   loss {loss.item():.4f}   accuracy {accuracy:.3f}")
    return loss.item()


if __name__ == "__main__":
    main()
