"""The learning-rate range test (Leslie Smith, "Cyclical Learning Rates", 2017).

Train for ``num_iter`` mini-batches while the learning rate grows exponentially,

    lr_i = start_lr * (end_lr / start_lr) ** (i / (num_iter - 1)),

and record the loss. The raw loss is noisy, so it is smoothed with a bias-corrected
exponential moving average (``beta`` = 0.98 by default):

    a_i = beta a_{i-1} + (1 - beta) loss_i,      smoothed_i = a_i / (1 - beta ** (i + 1)).

The loss first stays flat (lr too small to matter), then falls, then explodes. The test stops
once the smoothed loss exceeds ``diverge_threshold`` times its best value. The suggested
rate is where the smoothed loss falls fastest against log(lr), i.e. the minimum of
d smoothed / d log lr: a point on the steep descent, safely before the blow-up.

The model's and the optimizer's state are copied before and loaded back afterwards, so the
test leaves no trace: training then starts from the same weights with the chosen rate.
"""
import copy
from dataclasses import dataclass

import numpy as np

from ..tensor import Tensor
from ._common import check_model, module_modes, pyplot, restore_modes


@dataclass
class LRFinderResult:
    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion: float
    diverged: bool

    def plot(self, path=None):
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(5.5, 3.5))
        ax.plot(self.lrs, self.losses, color="lightgray", lw=0.8, label="loss")
        ax.plot(self.lrs, self.smoothed, color="tab:blue", label="smoothed loss")
        if np.isfinite(self.suggestion):
            ax.axvline(self.suggestion, color="tab:red", ls="--",
                       label=f"suggested lr {self.suggestion:.2g}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("training loss")
        finite = self.smoothed[np.isfinite(self.smoothed)]
        if finite.size:
            ax.set_ylim(finite.min() - 0.05 * abs(finite.min()), 1.5 * finite[0] + 1e-12)
        ax.legend()
        ax.set_title("learning-rate range test")
        if path is not None:
            fig.savefig(path, dpi=110, bbox_inches="tight")
        return fig


def _batches(data):
    """Endless (inputs, targets) batches from a DataLoader / iterable, or one (X, y) pair."""
    if isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], (Tensor, np.ndarray)):
        while True:
            yield data
    while True:
        empty = True
        for batch in data:
            empty = False
            yield batch
        if empty:
            raise ValueError("lr_find: data yielded no batches")


def _snapshot(model, optimizer):
    weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
    return weights, copy.deepcopy(optimizer.state_dict()), module_modes(model), \
        [(p, p.grad) for p in model.parameters()]


def _restore(model, optimizer, snapshot):
    weights, opt_state, modes, grads = snapshot
    model.load_state_dict(weights)
    optimizer.load_state_dict(opt_state)
    restore_modes(modes)
    for p, g in grads:
        p.grad = g


def suggest_lr(lrs, smoothed, skip_start=10, skip_end=5):
    """The rate of steepest descent of the smoothed loss against log(lr)."""
    lrs, smoothed = np.asarray(lrs), np.asarray(smoothed)
    finite = np.isfinite(smoothed)
    lrs, smoothed = lrs[finite], smoothed[finite]
    if len(lrs) < 3:
        return float("nan")
    lo, hi = min(skip_start, len(lrs) // 4), max(len(lrs) - skip_end, len(lrs) // 4 + 2)
    slope = np.gradient(smoothed[lo:hi], np.log(lrs[lo:hi]))
    return float(lrs[lo:hi][int(np.argmin(slope))])


def lr_find(model, optimizer, loss_fn, data, start_lr=1e-7, end_lr=10.0, num_iter=100,
            beta=0.98, diverge_threshold=5.0):
    """Run the LR range test and restore the model and optimizer afterwards.

    Args:
        model: the ``nn.Module``; ``loss_fn(model(x), y)`` gives the loss of a batch.
        optimizer: an optimizer over the model's parameters (its lr is overwritten during
            the test and restored after).
        data: a DataLoader or any iterable of ``(x, y)`` batches (cycled when exhausted),
            or one ``(X, y)`` pair used every step.
        start_lr, end_lr (float): the range, ``0 < start_lr < end_lr``.
        num_iter (int): number of steps (>= 3).
        beta (float): smoothing factor of the moving average, in [0, 1).
        diverge_threshold (float): stop when smoothed loss > threshold * best.

    Returns:
        :class:`LRFinderResult` (``lrs``, ``losses``, ``smoothed``, ``suggestion``,
        ``diverged``).
    """
    check_model(model, "lr_find")
    if not (hasattr(optimizer, "step") and hasattr(optimizer, "param_groups")):
        raise TypeError(f"lr_find: optimizer must be a deepgrad.optim optimizer, "
                        f"got {type(optimizer).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"lr_find: loss_fn must be callable, got {type(loss_fn).__name__}")
    if not 0 < start_lr < end_lr:
        raise ValueError(f"lr_find: need 0 < start_lr < end_lr, got start_lr={start_lr}, "
                         f"end_lr={end_lr}")
    if int(num_iter) != num_iter or num_iter < 3:
        raise ValueError(f"lr_find: num_iter must be an int >= 3, got {num_iter!r}")
    if not 0 <= beta < 1:
        raise ValueError(f"lr_find: beta must be in [0, 1), got {beta!r}")
    if hasattr(data, "__len__") and len(data) == 0:
        raise ValueError("lr_find: data is empty")
    lrs = start_lr * (end_lr / start_lr) ** (np.arange(num_iter) / (num_iter - 1))
    snapshot = _snapshot(model, optimizer)
    losses, smoothed, average, best, diverged = [], [], 0.0, np.inf, False
    try:
        model.train()
        batches = _batches(data)
        for i, lr in enumerate(lrs):
            for group in optimizer.param_groups:
                group["lr"] = float(lr)
            x, y = next(batches)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            value = float(loss.item())
            average = beta * average + (1 - beta) * value
            smooth = average / (1 - beta ** (i + 1))
            losses.append(value)
            smoothed.append(smooth)
            best = min(best, smooth)
            if not np.isfinite(smooth) or smooth > diverge_threshold * best:
                diverged = True
                break
    finally:
        _restore(model, optimizer, snapshot)
    done = len(losses)
    return LRFinderResult(lrs[:done], np.array(losses), np.array(smoothed),
                          suggest_lr(lrs[:done], smoothed), diverged)
