"""Streaming metrics for the Trainer: updated batch by batch, equal to the whole-set value.

Every metric keeps sufficient statistics (counts, sums, a confusion matrix), never the
predictions, so an epoch's value is exactly what ``deepgrad.metrics`` (and scikit-learn)
give on all of the epoch's predictions at once:

* ``accuracy``: (number correct) / N. A prediction of shape (N, C) is a score per class
  (argmax); a prediction with the target's shape is a probability of class 1 (> 0.5), or a
  logit (> 0) when the Trainer's loss is ``BCEWithLogitsLoss``, or, with
  ``CrossEntropyLoss`` and class-probability (one-hot) targets, compared by argmax.
  Multi-label outputs (N, L) with 0/1 targets score the fraction of correct entries
  (Keras's ``binary_accuracy``), not sklearn's exact-match subset accuracy.
* ``top<k>`` (``top5``, ``top3``...): the true class is among the k highest scores
  (sklearn's ``top_k_accuracy_score``).
* ``mae`` = sum |y - p| / n, ``mse`` = sum (y - p)^2 / n, ``rmse`` = sqrt(mse), over all
  entries (sklearn's ``multioutput="uniform_average"`` when every output has N values).
* ``r2`` = mean over outputs of 1 - SS_res / SS_tot, with the target's mean and variance
  merged batch by batch (Chan's parallel update), as sklearn's ``r2_score``.
* ``precision``, ``recall``, ``f1``: from a confusion matrix accumulated over batches.
  Multi-class outputs use the *macro* average over the labels present in the targets or the
  predictions (sklearn's ``average="macro"``); single-output binary models use class 1
  (sklearn's ``average="binary"``; multi-label outputs pool all their entries, i.e. the
  micro average). An undefined ratio (0/0) counts as 0, sklearn's default.

A callable ``fn(y_true, y_pred) -> float`` is averaged over batches weighted by batch size
(Keras's convention). A subclass of :class:`Metric` can keep any statistics it needs.
"""
import math
import re

import numpy as np

from ..tensor import Tensor


def to_numpy(value):
    """A detached NumPy copy-free view of a Tensor (CuPy arrays are brought to the host)."""
    data = value._data if isinstance(value, Tensor) else value
    if not isinstance(data, np.ndarray):
        data = data.get() if hasattr(data, "get") else np.asarray(data)
    return data


class Metric:
    """A streaming metric: ``reset()``, ``update(y_pred, y_true)`` per batch, ``result()``.

    ``direction`` is ``"up"`` (bigger is better) or ``"down"``; callbacks use it for
    ``mode="auto"``. ``update`` receives NumPy arrays.
    """

    name = "metric"
    direction = "up"

    def reset(self):
        raise NotImplementedError

    def update(self, y_pred, y_true):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def check(self, y_pred, y_true):
        """Raise a clear error if this metric cannot read these shapes (called once, early)."""

    def merge(self, other):
        """Add the statistics of ``other`` (the same metric, updated on other samples) to
        this one, so that ``result()`` is the value over both sets of samples. The Trainer
        uses it to combine the ranks of a distributed run; a Metric without it cannot be
        used there."""
        raise NotImplementedError(f"{type(self).__name__} does not define merge(other)")


def _labels(y_pred, y_true, threshold):
    """(predicted labels, true labels) for the classification metrics.

    Scores (N, C) for labels (N,): argmax. Predictions of the targets' shape: a threshold
    on each entry (binary / multi-label), or, when ``threshold`` is None (a
    ``CrossEntropyLoss`` model with class-probability targets), argmax of both.
    """
    if y_pred.ndim == y_true.ndim + 1:
        return y_pred.argmax(axis=-1), y_true
    if y_pred.shape != y_true.shape and y_pred.ndim == 2 and y_pred.shape[1] == 1 \
            and y_true.ndim == 1 and y_pred.shape[0] == y_true.shape[0]:
        y_pred = y_pred.reshape(y_true.shape)
    if y_pred.shape == y_true.shape:
        if threshold is None and y_true.ndim >= 2:
            return y_pred.argmax(axis=-1), y_true.argmax(axis=-1)
        return (y_pred > (0.5 if threshold is None else threshold)).astype(np.int64), y_true
    raise ValueError(f"a classification metric needs predictions of shape (N, C) for targets "
                     f"of shape (N,), or predictions of the targets' shape; got predictions "
                     f"{tuple(y_pred.shape)} and targets {tuple(y_true.shape)}")


class Accuracy(Metric):
    name = "accuracy"

    def __init__(self, threshold=0.5):
        self.threshold = threshold
        self.reset()

    def reset(self):
        self.correct, self.count = 0, 0

    def check(self, y_pred, y_true):
        _labels(y_pred, y_true, self.threshold)

    def update(self, y_pred, y_true):
        pred, true = _labels(y_pred, y_true, self.threshold)
        self.correct += int(np.count_nonzero(pred == true))
        self.count += true.size

    def merge(self, other):
        self.correct += other.correct
        self.count += other.count

    def result(self):
        return self.correct / self.count if self.count else 0.0


class TopKAccuracy(Metric):
    """Hit when fewer than k classes score strictly higher than the true class."""

    def __init__(self, k=5):
        self.k = int(k)
        self.name = f"top{self.k}"
        self.reset()

    def reset(self):
        self.hits, self.count = 0, 0

    def check(self, y_pred, y_true):
        if y_pred.ndim != 2 or y_true.ndim != 1 or y_pred.shape[0] != y_true.shape[0]:
            raise ValueError(f"{self.name} needs scores of shape (N, C) and labels of shape "
                             f"(N,); got {tuple(y_pred.shape)} and {tuple(y_true.shape)}")

    def update(self, y_pred, y_true):
        true_score = np.take_along_axis(y_pred, y_true.reshape(-1, 1).astype(np.int64), axis=1)
        higher = np.count_nonzero(y_pred > true_score, axis=1)
        self.hits += int(np.count_nonzero(higher < self.k))
        self.count += y_true.shape[0]

    def merge(self, other):
        self.hits += other.hits
        self.count += other.count

    def result(self):
        return self.hits / self.count if self.count else 0.0


class _ErrorSum(Metric):
    direction = "down"

    def reset(self):
        self.total, self.count = 0.0, 0

    def check(self, y_pred, y_true):
        if y_pred.size != y_true.size:
            raise ValueError(f"{self.name} compares predictions and targets entry by entry; "
                             f"got shapes {tuple(y_pred.shape)} and {tuple(y_true.shape)}")

    def update(self, y_pred, y_true):
        diff = y_pred.reshape(y_true.shape).astype(np.float64) - y_true
        self.total += float(self._error(diff))
        self.count += diff.size

    def merge(self, other):
        self.total += other.total
        self.count += other.count

    def result(self):
        return self.total / self.count if self.count else 0.0


class MeanAbsoluteError(_ErrorSum):
    name = "mae"

    def __init__(self):
        self.reset()

    @staticmethod
    def _error(diff):
        return np.abs(diff).sum()


class MeanSquaredError(_ErrorSum):
    name = "mse"

    def __init__(self):
        self.reset()

    @staticmethod
    def _error(diff):
        return np.square(diff).sum()


class RootMeanSquaredError(MeanSquaredError):
    name = "rmse"

    def result(self):
        return math.sqrt(super().result())


class R2Score(Metric):
    name = "r2"

    def __init__(self):
        self.reset()

    def reset(self):
        self.n, self.mean, self.m2, self.ss_res = 0, 0.0, 0.0, 0.0

    check = _ErrorSum.check

    def update(self, y_pred, y_true):
        y = y_true.reshape(y_true.shape[0], -1).astype(np.float64)
        p = y_pred.reshape(y.shape).astype(np.float64)
        nb = y.shape[0]
        mean_b = y.mean(axis=0)
        self._combine(nb, mean_b, np.square(y - mean_b).sum(axis=0),
                      np.square(y - p).sum(axis=0))

    def _combine(self, nb, mean_b, m2_b, ss_res_b):
        """Chan et al.: merge the (count, mean, M2) summary of nb more targets into ours."""
        if nb == 0:
            return
        total = self.n + nb
        delta = mean_b - self.mean
        self.m2 = self.m2 + m2_b + np.square(delta) * self.n * nb / total
        self.mean = self.mean + delta * nb / total
        self.n = total
        self.ss_res = self.ss_res + ss_res_b

    def merge(self, other):
        self._combine(other.n, other.mean, other.m2, other.ss_res)

    def result(self):
        m2, res = np.atleast_1d(self.m2), np.atleast_1d(self.ss_res)
        # sklearn: a constant target scores 1 if predicted exactly, else 0
        scores = np.where(m2 != 0, 1 - res / np.where(m2 != 0, m2, 1), np.where(res == 0, 1, 0))
        return float(scores.mean())


class _ConfusionMetric(Metric):
    """precision / recall / f1 from a confusion matrix grown as labels appear."""

    def __init__(self, threshold=0.5):
        self.threshold = threshold
        self.reset()

    def reset(self):
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        self.binary = None

    def check(self, y_pred, y_true):
        _labels(y_pred, y_true, self.threshold)

    def update(self, y_pred, y_true):
        self.binary = y_pred.ndim != y_true.ndim + 1 and self.threshold is not None
        pred, true = _labels(y_pred, y_true, self.threshold)
        pred, true = pred.ravel().astype(np.int64), true.ravel().astype(np.int64)
        size = max(int(pred.max(initial=0)), int(true.max(initial=0)), 1) + 1
        if size > self.matrix.shape[0]:
            grown = np.zeros((size, size), dtype=np.int64)
            n = self.matrix.shape[0]
            grown[:n, :n] = self.matrix
            self.matrix = grown
        size = self.matrix.shape[0]
        self.matrix += np.bincount(true * size + pred, minlength=size * size).reshape(size, size)

    def merge(self, other):
        size = max(self.matrix.shape[0], other.matrix.shape[0])
        merged = np.zeros((size, size), dtype=np.int64)
        for m in (self.matrix, other.matrix):
            merged[:m.shape[0], :m.shape[1]] += m
        self.matrix = merged
        if self.binary is None:
            self.binary = other.binary

    def _per_class(self):
        tp = np.diag(self.matrix).astype(np.float64)
        predicted, actual = self.matrix.sum(axis=0), self.matrix.sum(axis=1)
        precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
        recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
        denom = precision + recall
        f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
        present = (predicted + actual) > 0
        return {"precision": precision, "recall": recall, "f1": f1}[self.name], present

    def result(self):
        if self.binary is None:
            return 0.0
        values, present = self._per_class()
        if self.binary:
            return float(values[1])
        return float(values[present].mean()) if present.any() else 0.0


class Precision(_ConfusionMetric):
    name = "precision"


class Recall(_ConfusionMetric):
    name = "recall"


class F1Score(_ConfusionMetric):
    name = "f1"


class MeanMetricWrapper(Metric):
    """A function ``fn(y_true, y_pred) -> float`` averaged over batches by batch size."""

    def __init__(self, fn, name=None, direction="up"):
        self.fn, self.direction = fn, direction
        self.name = name or getattr(fn, "__name__", type(fn).__name__)
        self.reset()

    def reset(self):
        self.total, self.count = 0.0, 0

    def update(self, y_pred, y_true):
        n = y_true.shape[0] if y_true.ndim else 1
        self.total += float(self.fn(y_true, y_pred)) * n
        self.count += n

    def merge(self, other):
        self.total += other.total
        self.count += other.count

    def result(self):
        return self.total / self.count if self.count else 0.0


_BY_NAME = {"accuracy": Accuracy, "acc": Accuracy, "mae": MeanAbsoluteError,
            "mse": MeanSquaredError, "rmse": RootMeanSquaredError, "r2": R2Score,
            "precision": Precision, "recall": Recall, "f1": F1Score}
KNOWN_NAMES = sorted(_BY_NAME) + ["top<k> (e.g. top5)"]


def get_metric(metric, logits=False, categorical=False):
    """A fresh :class:`Metric` from a name, a callable or a Metric.

    ``logits=True`` moves the binary decision threshold from 0.5 to 0 (for
    ``BCEWithLogitsLoss`` models); ``categorical=True`` (``CrossEntropyLoss`` models) reads
    targets of the output's shape as class probabilities (argmax) instead of binary labels.
    """
    if isinstance(metric, Metric):
        return metric
    if isinstance(metric, str):
        key = metric.lower()
        match = re.fullmatch(r"top_?(\d+)(_accuracy)?", key)
        if match:
            return TopKAccuracy(int(match.group(1)))
        if key not in _BY_NAME:
            raise ValueError(f"unknown metric {metric!r}; known names: "
                             f"{', '.join(KNOWN_NAMES)}, or pass a callable "
                             f"fn(y_true, y_pred) or a deepgrad.train.metrics.Metric")
        cls = _BY_NAME[key]
        if issubclass(cls, (Accuracy, _ConfusionMetric)):
            return cls(threshold=None if categorical else 0.0 if logits else 0.5)
        return cls()
    if callable(metric):
        return MeanMetricWrapper(metric)
    raise TypeError(f"a metric must be a name, a callable or a Metric, got "
                    f"{type(metric).__name__}")
