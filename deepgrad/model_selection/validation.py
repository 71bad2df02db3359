"""cross_validate for deepgrad models: k-fold evaluation without preprocessing leakage."""
import numbers
import time

import numpy as np

from .. import metrics as M
from ..autograd import no_grad
from ..tensor import Tensor
from ._utils import num_samples, take
from .splitters import KFold


def _to_numpy(x):
    return x.detach().cpu().numpy() if isinstance(x, Tensor) else np.asarray(x)


def _outputs(model, X):
    """The model's raw outputs on X as a NumPy array (no graph is recorded)."""
    with no_grad():
        out = model(X) if callable(model) else model.predict(X)
    return _to_numpy(out)


def _labels(out):
    """Class predictions: argmax of (n, C) scores, else a threshold at 0.5 (probability) or
    0 (logit) for one output column."""
    if out.ndim == 2 and out.shape[1] > 1:
        return out.argmax(axis=1)
    out = out.ravel()
    if out.dtype.kind in "iub":
        return out
    threshold = 0.5 if out.min() >= 0 and out.max() <= 1 else 0.0
    return (out > threshold).astype(np.int64)


def _probabilities(out):
    """(n, C) probabilities from scores: softmax of logits unless rows already sum to 1;
    one column -> sigmoid unless already in [0, 1]."""
    if out.ndim == 2 and out.shape[1] > 1:
        if (out >= 0).all() and np.allclose(out.sum(axis=1), 1, atol=1e-5):
            return out
        z = np.exp(out - out.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)
    out = out.ravel()
    if out.min() < 0 or out.max() > 1:
        out = 1 / (1 + np.exp(-out))
    return out


def _label_scorer(metric, **kw):
    return lambda model, X, y: metric(_to_numpy(y).ravel(), _labels(_outputs(model, X)), **kw)


def _prob_scorer(metric, sign=1.0, **kw):
    def score(model, X, y):
        p = _probabilities(_outputs(model, X))
        y = _to_numpy(y).ravel()
        if metric is M.roc_auc_score and p.ndim == 2 and p.shape[1] > 2:
            kw.setdefault("multi_class", "ovr")
        return sign * metric(y, p, **kw)
    return score


def _reg_scorer(metric, sign=1.0):
    def score(model, X, y):
        out = _outputs(model, X)
        y = _to_numpy(y)
        return sign * metric(y.reshape(len(y), -1), out.reshape(len(out), -1))
    return score


def _named_scorers():
    table = {
        "accuracy": _label_scorer(M.accuracy_score),
        "roc_auc": _prob_scorer(M.roc_auc_score),
        "log_loss": _prob_scorer(M.log_loss),
        "neg_log_loss": _prob_scorer(M.log_loss, sign=-1.0),
        "mse": _reg_scorer(M.mean_squared_error),
        "rmse": _reg_scorer(M.root_mean_squared_error),
        "mae": _reg_scorer(M.mean_absolute_error),
        "neg_mean_squared_error": _reg_scorer(M.mean_squared_error, -1.0),
        "neg_root_mean_squared_error": _reg_scorer(M.root_mean_squared_error, -1.0),
        "neg_mean_absolute_error": _reg_scorer(M.mean_absolute_error, -1.0),
        "r2": _reg_scorer(M.r2_score),
    }
    for name, fn in (("precision", M.precision_score), ("recall", M.recall_score),
                     ("f1", M.f1_score)):
        table[name] = _label_scorer(fn, average="binary", zero_division=0.0)
        for avg in ("micro", "macro", "weighted"):
            table[f"{name}_{avg}"] = _label_scorer(fn, average=avg, zero_division=0.0)
    return table


def get_scorer(name):
    """The scorer ``(model, X, y) -> float`` behind a metric name ("accuracy", "f1_macro",
    "roc_auc", "neg_log_loss", "mse", "neg_mean_squared_error", "r2", ...)."""
    table = _named_scorers()
    if name not in table:
        raise ValueError(f"Unknown scoring {name!r}; known names: {sorted(table)}")
    return table[name]


def _check_scoring(scoring):
    if scoring is None:
        return {"accuracy": get_scorer("accuracy")}
    if isinstance(scoring, str):
        return {scoring: get_scorer(scoring)}
    if callable(scoring):
        return {"score": scoring}
    if isinstance(scoring, dict):
        return {k: (get_scorer(v) if isinstance(v, str) else v) for k, v in scoring.items()}
    return {name: get_scorer(name) for name in scoring}


def _check_cv(cv):
    if cv is None:
        cv = 5
    if isinstance(cv, numbers.Integral):
        return KFold(cv)
    if hasattr(cv, "split"):
        return cv
    return _Precomputed(list(cv))


class _Precomputed:
    def __init__(self, folds):
        self.folds = folds

    def split(self, X, y=None, groups=None):
        return iter(self.folds)


def _fresh_preprocessor(preprocess):
    """A new unfitted preprocessor per fold: a clone of a transformer, or a factory's
    product."""
    if preprocess is None:
        return None
    if hasattr(preprocess, "fit") and hasattr(preprocess, "get_params"):
        from ..preprocessing.base import clone  # noqa: PLC0415
        return clone(preprocess)
    if hasattr(preprocess, "fit"):
        raise TypeError("preprocess must be a transformer with get_params (so it can be "
                        "cloned per fold) or a factory returning a fresh one.")
    return preprocess()


def cross_validate(build_model, train_fn, X, y, cv=5, scoring=None, preprocess=None, *,
                   groups=None, return_train_score=False, return_models=False):
    """k-fold cross-validation of a deepgrad model.

    For each (train, test) split of ``cv``:

    1. ``pre = preprocess`` cloned (or ``preprocess()`` for a factory) is **fit on the
       training fold only** and applied to both folds, so no statistic of the test fold
       leaks into training;
    2. ``model = build_model()`` makes a fresh, untrained model;
    3. ``train_fn(model, X_train, y_train)`` trains it;
    4. every scorer ``scoring[name](model, X_test, y_test)`` is recorded.

    Args:
        build_model (callable): () -> model.
        train_fn (callable): (model, X_train, y_train) -> anything.
        X, y: arrays or deepgrad tensors (indexed per fold, kind preserved).
        cv (int, splitter or iterable of (train, test), default 5): an int means KFold.
        scoring (None, str, list of names, callable or dict name -> callable or name):
            scorers are ``(model, X, y) -> float``; names are listed by :func:`get_scorer`
            (models are called as ``model(X)``; class scores are arg-maxed). Default
            "accuracy".
        preprocess (transformer, factory or None).
        groups: group labels for group splitters.
        return_train_score (bool): also score the training folds (``train_<name>``).
        return_models (bool): keep the fitted models and preprocessors.

    Returns:
        dict: ``test_<name>`` (array, one score per fold), ``mean_test_<name>`` and
        ``std_test_<name>`` (population std over folds), ``fit_time``, ``score_time``,
        ``n_splits``; with options ``train_<name>`` (+ mean/std), ``models``,
        ``preprocessors``.

    Example::

        >>> res = cross_validate(lambda: nn.Linear(4, 3), train, X, y, cv=5,  # doctest: +SKIP
        ...                      scoring=["accuracy", "f1_macro"], preprocess=StandardScaler())
        >>> res["mean_test_accuracy"], res["std_test_accuracy"]     # doctest: +SKIP
    """
    scorers = _check_scoring(scoring)
    splitter = _check_cv(cv)
    if num_samples(X) != num_samples(y):
        raise ValueError(f"X and y have different numbers of samples: {num_samples(X)} and "
                         f"{num_samples(y)}.")
    scores = {f"test_{k}": [] for k in scorers}
    if return_train_score:
        scores.update({f"train_{k}": [] for k in scorers})
    fit_time, score_time, models, pres = [], [], [], []
    y_split = _to_numpy(y) if isinstance(y, Tensor) else y
    for train, test in splitter.split(_to_numpy(X) if isinstance(X, Tensor) else X, y_split,
                                      groups):
        start = time.perf_counter()
        X_tr, X_te, y_tr, y_te = take(X, train), take(X, test), take(y, train), take(y, test)
        pre = _fresh_preprocessor(preprocess)
        if pre is not None:
            X_tr = pre.fit_transform(X_tr)  # statistics from the training fold only
            X_te = pre.transform(X_te)
        model = build_model()
        train_fn(model, X_tr, y_tr)
        fit_time.append(time.perf_counter() - start)
        start = time.perf_counter()
        for name, scorer in scorers.items():
            scores[f"test_{name}"].append(float(scorer(model, X_te, y_te)))
            if return_train_score:
                scores[f"train_{name}"].append(float(scorer(model, X_tr, y_tr)))
        score_time.append(time.perf_counter() - start)
        if return_models:
            models.append(model)
            pres.append(pre)
    result = {"fit_time": np.array(fit_time), "score_time": np.array(score_time),
              "n_splits": len(fit_time)}
    for key, values in scores.items():
        arr = np.array(values)
        result[key] = arr
        result[f"mean_{key}"] = float(arr.mean())
        result[f"std_{key}"] = float(arr.std())
    if return_models:
        result["models"], result["preprocessors"] = models, pres
    return result
