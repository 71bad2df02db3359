"""Small models and data for the Trainer tests, and a hand-written training loop."""
import numpy as np

import deepgrad
from deepgrad import nn, optim
from deepgrad.utils.data import DataLoader, TensorDataset


def classification_data(n=60, features=5, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, features)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 1).astype(np.int64)
    return X, np.minimum(y, classes - 1)


def mlp(features=5, classes=3, hidden=8, dropout=0.2, seed=0):
    deepgrad.manual_seed(seed)
    return nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Dropout(dropout),
                         nn.Linear(hidden, classes))


def weights(model):
    return {k: np.array(v.numpy(), copy=True) for k, v in model.state_dict().items()}


def hand_loop(model, opt, X, y, Xv, yv, epochs, batch_size, seed, clip=None):
    """The loop a PyTorch user writes; returns a Keras-style history dict."""
    deepgrad.manual_seed(seed)                        # what Trainer(seed=...) does
    gen = deepgrad.Generator().manual_seed(seed)      # the Trainer's shuffling generator
    loader = DataLoader(TensorDataset(deepgrad.tensor(X), deepgrad.tensor(y)),
                        batch_size=batch_size, shuffle=True, generator=gen)
    val = DataLoader(TensorDataset(deepgrad.tensor(Xv), deepgrad.tensor(yv)),
                     batch_size=batch_size)
    loss_fn = nn.CrossEntropyLoss()
    hist = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": [], "lr": []}
    for _ in range(epochs):
        lr = opt.param_groups[0]["lr"]
        model.train()
        total, correct, n = 0.0, 0, 0
        for xb, yb in loader:
            opt.zero_grad()
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            if clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            total += loss.item() * len(yb)
            correct += int((out.detach().numpy().argmax(1) == yb.numpy()).sum())
            n += len(yb)
        hist["loss"].append(total / n)
        hist["accuracy"].append(correct / n)
        model.eval()
        total, correct, n = 0.0, 0, 0
        with deepgrad.no_grad():
            for xb, yb in val:
                out = model(xb)
                total += loss_fn(out, yb).item() * len(yb)
                correct += int((out.detach().numpy().argmax(1) == yb.numpy()).sum())
                n += len(yb)
        hist["val_loss"].append(total / n)
        hist["val_accuracy"].append(correct / n)
        hist["lr"].append(lr)
    return hist


def sgd(model, lr=0.1):
    return optim.SGD(model.parameters(), lr=lr, momentum=0.9)
