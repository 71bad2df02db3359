"""The ``deepgrad demo``: the four baselines of the MNIST-1D paper, trained with the Trainer.

Greydanus (2020), "Scaling down deep learning", reports these test accuracies on MNIST-1D
(4,000 training and 1,000 test signals of length 40, ten classes):

=====================  =======  ==================================================
model                  paper    architecture
=====================  =======  ==================================================
logistic regression    32 %     ``Linear(40, 10)``
MLP                    68 %     ``Linear(40,100) ReLU``, a residual ``Linear(100,100) ReLU``,
                                ``Linear(100, 10)``
CNN                    94 %     three ``Conv1d`` (25 channels, strides 2) + ``Linear(125,10)``
GRU                    91 %     bidirectional GRU (hidden 6) over the 40 steps,
                                ``Linear(480, 10)`` on all its outputs
=====================  =======  ==================================================

The paper trains each with Adam (lr 1e-2, no weight decay), batches of 100 and cross-entropy
for 6,000 steps (150 epochs). The demo keeps those settings but trains for fewer epochs
(:data:`DEMO_EPOCHS`) so that all four finish in about two minutes on two CPU cores; the
accuracies it prints are therefore a little below the paper's for the slower learners.
"""
import json
import os
import time

from . import nn, optim
from .cli_report import build_demo_report
from .datasets import load_mnist1d
from .random import manual_seed
from .threads import get_num_threads, set_num_threads
from .train import Trainer

PUBLISHED_ACCURACY = {"logistic": 32.0, "mlp": 68.0, "cnn": 94.0, "gru": 91.0}


class LogisticRegression(nn.Module):
    """Multinomial logistic regression: ``logits = x W^T + b``. Input (N, 40), output (N, 10)."""

    def __init__(self, input_size=40, output_size=10):
        super().__init__()
        self.linear = nn.Linear(input_size, output_size)

    def forward(self, x):
        return self.linear(x)


class MLP(nn.Module):
    """The paper's MLP: ``h1 = relu(W1 x)``, ``h2 = h1 + relu(W2 h1)``, ``logits = W3 h2``."""

    def __init__(self, input_size=40, output_size=10, hidden_size=100):
        super().__init__()
        self.linear1 = nn.Linear(input_size, hidden_size)
        self.linear2 = nn.Linear(hidden_size, hidden_size)
        self.linear3 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        h = self.linear1(x).relu()
        h = h + self.linear2(h).relu()
        return self.linear3(h)


class CNN(nn.Module):
    """The paper's ConvBase: 40 -> 19 -> 10 -> 5 positions through three strided convolutions
    (kernel 5 then 3, stride 2, padding 1, ReLU), flattened (25 x 5 = 125) into a Linear layer.
    Input (N, 40), output (N, 10)."""

    def __init__(self, output_size=10, channels=25, linear_in=125):
        super().__init__()
        self.conv1 = nn.Conv1d(1, channels, 5, stride=2, padding=1)
        self.conv2 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        self.conv3 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        self.linear = nn.Linear(linear_in, output_size)

    def forward(self, x):
        h = x.reshape(x.shape[0], 1, x.shape[-1])
        h = self.conv1(h).relu()
        h = self.conv2(h).relu()
        h = self.conv3(h).relu()
        return self.linear(h.reshape(h.shape[0], -1))


class GRU(nn.Module):
    """The paper's GRUBase: a GRU reads the signal one value per step (both directions, hidden
    size 6); all 40 x 2 x 6 outputs are flattened into a Linear layer. Input (N, 40)."""

    def __init__(self, input_size=1, output_size=10, hidden_size=6, time_steps=40,
                 bidirectional=True):
        super().__init__()
        self.gru = nn.GRU(input_size, hidden_size, batch_first=True, bidirectional=bidirectional)
        directions = 2 if bidirectional else 1
        self.linear = nn.Linear(directions * hidden_size * time_steps, output_size)

    def forward(self, x):
        out, _ = self.gru(x.reshape(x.shape[0], x.shape[1], 1))   # zero initial state
        return self.linear(out.reshape(out.shape[0], -1))


MODELS = {"logistic": LogisticRegression, "mlp": MLP, "cnn": CNN, "gru": GRU}

# epochs of 40 steps (batches of 100): the paper's 150 for the quick learners, fewer for the
# two slow ones so that the whole demo stays near two minutes on two cores
DEMO_EPOCHS = {"logistic": 150, "mlp": 150, "cnn": 60, "gru": 40}
QUICK_EPOCHS = 1
QUICK_SIZES = (400, 200)      # training and test examples used by --quick


def mnist1d_arrays(quick=False, **overrides):
    """MNIST-1D as float32 inputs and int64 labels: ``(x, y, x_test, y_test)``."""
    d = load_mnist1d(**overrides)
    x, y = d["x"].astype("float32"), d["y"].astype("int64")
    x_test, y_test = d["x_test"].astype("float32"), d["y_test"].astype("int64")
    if quick:
        x, y = x[:QUICK_SIZES[0]], y[:QUICK_SIZES[0]]
        x_test, y_test = x_test[:QUICK_SIZES[1]], y_test[:QUICK_SIZES[1]]
    return x, y, x_test, y_test


def train_one(name, data, out_dir, epochs, progress=True, seed=0):
    """Train model ``name`` with the paper's recipe; returns its row of the results table."""
    x, y, x_test, y_test = data
    manual_seed(seed)
    model = MODELS[name]()
    trainer = Trainer(model, optim.Adam(model.parameters(), lr=1e-2), nn.CrossEntropyLoss(),
                      metrics=("accuracy",), progress=progress, seed=seed, batch_size=100,
                      run_dir=os.path.join(out_dir, name))
    start = time.perf_counter()
    # the test set doubles as the validation set, as in the paper's learning curves
    trainer.fit((x, y), epochs=epochs, val=(x_test, y_test), batch_size=100)
    seconds = time.perf_counter() - start
    result = trainer.evaluate((x_test, y_test), batch_size=1000)
    return {"model": name, "epochs": epochs, "test_accuracy": 100.0 * result["accuracy"],
            "published": PUBLISHED_ACCURACY[name], "seconds": seconds}


def format_table(rows, total_seconds):
    """The results as a plain-text table."""
    lines = [f"{'model':<10} {'epochs':>6} {'test acc':>9} {'paper':>7} {'time':>8}"]
    for r in rows:
        lines.append(f"{r['model']:<10} {r['epochs']:>6} {r['test_accuracy']:>8.1f}% "
                     f"{r['published']:>6.0f}% {r['seconds']:>7.1f}s")
    lines.append(f"total wall time {total_seconds:.1f} s")
    return "\n".join(lines)


def run_demo(out_dir="runs/demo", quick=False, progress=True, models=None, seed=0, threads=1):
    """Train the four models, print the table, write ``out_dir/report.html``; returns rows.

    ``threads``: BLAS threads while training (default 1: these models' matrix products are
    small, and split over threads they ran several times slower on a 2-core machine).
    """
    start = time.perf_counter()
    data = mnist1d_arrays(quick=quick)
    rows = []
    previous = get_num_threads()
    set_num_threads(threads)
    try:
        for name in models or MODELS:
            epochs = QUICK_EPOCHS if quick else DEMO_EPOCHS[name]
            print(f"== {name}: {epochs} epoch(s) of {len(data[0])} examples")
            rows.append(train_one(name, data, out_dir, epochs, progress=progress, seed=seed))
    finally:
        set_num_threads(previous)
    total = time.perf_counter() - start
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "demo.json"), "w") as f:
        json.dump({"rows": rows, "total_seconds": total, "quick": quick}, f, indent=1)
    print(format_table(rows, total))
    path = build_demo_report(out_dir)
    print(f"report: {path}")
    return rows
