"""Models trained with deepgrad on MNIST-1D land near the published test accuracies.

Published (Greydanus 2020, README of greydanus/mnist1d): logistic regression 32 %, CNN 94 %.
Measured with this file's seeded recipes (2026-11-27): logistic regression 33.0 % test
accuracy (37.5 % train); the published ConvBase CNN with deepgrad's Conv1d and Adam, 3000 steps
of batch 100, 93.4 % (91.7 % after 1800 steps); the same recipe in torch gives 92.1 %.
The margins below allow for seeds.
"""
import numpy as np
import pytest

import deepgrad
from deepgrad.datasets import make_mnist1d
from deepgrad.utils.data import DataLoader, TensorDataset


@pytest.fixture(scope="module")
def data():
    d = make_mnist1d()
    return {k: d[k].astype(np.float32) if k.startswith("x") else d[k]
            for k in ("x", "y", "x_test", "y_test")}


def test_logistic_regression_core_autograd(data):
    """Softmax regression by full-batch gradient descent with momentum, core ops only."""
    X, y = deepgrad.tensor(data["x"]), deepgrad.tensor(data["y"])
    g = deepgrad.Generator().manual_seed(0)
    W = (deepgrad.randn(40, 10, generator=g) * 0.01).requires_grad_()
    b = deepgrad.zeros(10, requires_grad=True)
    vW, vb = deepgrad.zeros(40, 10), deepgrad.zeros(10)
    for _ in range(300):
        loss = -(X @ W + b).log_softmax(1).gather(1, y.reshape(-1, 1)).mean()
        W.grad = b.grad = None
        loss.backward()
        with deepgrad.no_grad():
            vW.mul_(0.9).add_(W.grad)
            vb.mul_(0.9).add_(b.grad)
            W.sub_(vW * 0.5)
            b.sub_(vb * 0.5)
    pred = (deepgrad.tensor(data["x_test"]) @ W + b).argmax(1).numpy()
    acc = (pred == data["y_test"]).mean()
    print(f"MNIST-1D logistic regression test accuracy: {acc:.3f}")
    # published: 32 %; a linear model cannot undo the translations, so it stays far from 94 %
    assert 0.27 <= acc <= 0.38, acc


def test_small_cnn_reaches_published_accuracy(data):
    nn, optim = deepgrad.nn, deepgrad.optim
    deepgrad.manual_seed(0)

    class ConvNet(nn.Module):
        """The published ConvBase: three strided convolutions (25 channels) and a linear head."""

        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv1d(1, 25, 5, stride=2, padding=1)    # 40 -> 19
            self.conv2 = nn.Conv1d(25, 25, 3, stride=2, padding=1)   # 19 -> 10
            self.conv3 = nn.Conv1d(25, 25, 3, stride=2, padding=1)   # 10 -> 5
            self.relu = nn.ReLU()
            self.linear = nn.Linear(125, 10)

        def forward(self, x):
            h = self.relu(self.conv1(x.reshape(-1, 1, 40)))
            h = self.relu(self.conv2(h))
            h = self.relu(self.conv3(h))
            return self.linear(h.reshape(h.shape[0], -1))

    model = ConvNet()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    criterion = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(deepgrad.tensor(data["x"]), deepgrad.tensor(data["y"])),
                        batch_size=100, shuffle=True, generator=deepgrad.Generator().manual_seed(0))
    steps = 0
    while steps < 3000:
        for xb, yb in loader:
            loss = criterion(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps += 1
    with deepgrad.no_grad():
        pred = model(deepgrad.tensor(data["x_test"])).argmax(1).numpy()
    acc = (pred == data["y_test"]).mean()
    print(f"MNIST-1D CNN test accuracy: {acc:.3f}")
    assert acc >= 0.87, acc      # published: 94 %
