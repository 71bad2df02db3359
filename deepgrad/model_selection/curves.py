"""Learning curves and validation curves with scikit-learn's signatures and results.

* ``learning_curve``: train on growing prefixes of each CV training fold and score on that
  prefix and on the fold's test part -> train vs validation score against training-set size.
  A large gap that closes slowly is variance (overfitting); two low curves that meet early
  are bias (underfitting).
* ``validation_curve``: one hyperparameter swept over ``param_range`` -> train vs validation
  score against, e.g., L2 strength or dropout rate.

For the same ``cv`` splits, ``scoring`` and estimator, the arrays equal scikit-learn's: the
defaults are the same (5-fold, stratified for a classifier's class labels; ``score`` method
when ``scoring`` is None), train sizes are translated by the same rule (fractions of the
first fold's training size, truncated, clipped to [1, n], duplicates removed with a
RuntimeWarning), and ``shuffle`` permutes each training fold with ``RandomState``'s draws in
scikit-learn's order.

``n_jobs`` has scikit-learn's meaning (None or 1: one fit after another in this process;
k > 1: k worker processes; -1: one per CPU) and never changes the numbers: every fit is the
same independent job, only run elsewhere. Workers use one BLAS thread each (as joblib's do),
so k workers do not fight over the cores; a failed fit's warning is printed by its worker.
``pre_dispatch`` and ``verbose`` are accepted for compatibility and ignored.
"""
import concurrent.futures as cf
import copy
import numbers
import os
import pickle
import time
import warnings

import numpy as np

from ._utils import check_random_state, num_samples, take
from .splitters import KFold, StratifiedKFold
from .validation import get_scorer


def _clone(estimator):
    """An unfitted copy: scikit-learn's ``clone`` for estimators with ``get_params``."""
    if hasattr(estimator, "get_params"):
        try:
            from sklearn.base import clone  # noqa: PLC0415 - optional extra
            return clone(estimator)
        except ImportError:
            params = {k: copy.deepcopy(v) for k, v in estimator.get_params(deep=False).items()}
            return type(estimator)(**params)
    return copy.deepcopy(estimator)


def _is_classifier(estimator):
    try:
        from sklearn.base import is_classifier  # noqa: PLC0415
        return is_classifier(estimator)
    except ImportError:
        return getattr(estimator, "_estimator_type", None) == "classifier"


def _is_class_labels(y):
    """Binary or multiclass targets (what makes scikit-learn stratify)."""
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind == "f" and not np.all(y == np.round(y)):
        return False
    return y.dtype.kind in "iubOUSf"


def _check_cv(cv, y, classifier):
    if cv is None:
        cv = 5
    if isinstance(cv, numbers.Integral):
        if classifier and y is not None and _is_class_labels(y):
            return StratifiedKFold(int(cv))
        return KFold(int(cv))
    if hasattr(cv, "split"):
        return cv
    folds = list(cv)
    return type("PrecomputedFolds", (), {"split": lambda self, X, y=None, groups=None:
                                         iter(folds)})()


def _check_estimator(estimator, who):
    if not (hasattr(estimator, "fit") and (hasattr(estimator, "predict")
                                           or hasattr(estimator, "score"))):
        raise TypeError(f"{who}: estimator must have fit and predict/score methods, "
                        f"got {type(estimator).__name__}")


def _score_method(estimator, X, y):
    """scoring=None: the estimator's own ``score`` (a named function, so workers can get it)."""
    return estimator.score(X, y)


def _scorer(estimator, scoring, who):
    if scoring is None:
        if not hasattr(estimator, "score"):
            raise TypeError(f"{who}: scoring=None needs an estimator with a score method; "
                            f"{type(estimator).__name__} has none (pass scoring=...)")
        return _score_method
    if isinstance(scoring, str):
        try:
            from sklearn.metrics import get_scorer as sk_get_scorer  # noqa: PLC0415
            return sk_get_scorer(scoring)
        except ImportError:
            return get_scorer(scoring)
    if callable(scoring):
        return scoring
    raise ValueError(f"{who}: scoring must be None, a metric name or a callable "
                     f"(estimator, X, y) -> float, got {scoring!r}")


def _check_data(X, y, who):
    n = num_samples(X)
    if n == 0:
        raise ValueError(f"{who}: X is empty (0 samples)")
    if y is not None and num_samples(y) != n:
        raise ValueError(f"{who}: X has {n} samples but y has {num_samples(y)}")
    return n


def _fit_params(params, n, idx):
    """Fit parameters, with the sample-aligned ones cut to the training indices."""
    out = {}
    for key, value in (params or {}).items():
        aligned = hasattr(value, "__len__") and not isinstance(value, str) \
            and num_samples(value) == n
        out[key] = take(value, idx) if aligned else value
    return out


def _fit_and_score(estimator, X, y, train, test, scorer, fit_params, error_score, n):
    """(train score, test score, fit time, score time) of one fit; a failed fit gives
    ``error_score`` (with a warning) unless error_score == "raise"."""
    estimator = _clone(estimator)
    X_train, X_test = take(X, train), take(X, test)
    y_train = take(y, train) if y is not None else None
    y_test = take(y, test) if y is not None else None
    start = time.perf_counter()
    try:
        estimator.fit(X_train, y_train, **_fit_params(fit_params, n, train))
    except Exception as error:   # noqa: BLE001 - scikit-learn's error_score contract
        if isinstance(error_score, str) and error_score == "raise":
            raise
        warnings.warn(f"Estimator fit failed; the score on this train-test partition is set "
                      f"to {error_score}. Details: {error!r}", UserWarning, stacklevel=3)
        return error_score, error_score, time.perf_counter() - start, 0.0
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    test_score = scorer(estimator, X_test, y_test)
    train_score = scorer(estimator, X_train, y_train)
    return float(train_score), float(test_score), fit_time, time.perf_counter() - start


def _n_workers(n_jobs, n_tasks, who):
    """scikit-learn's rule: None -> 1, -1 -> all CPUs, -2 -> all but one, ..."""
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0:
        raise ValueError(f"{who}: n_jobs must be None or a non-zero int, got {n_jobs!r}")
    workers = int(n_jobs) if n_jobs > 0 else (os.cpu_count() or 1) + 1 + int(n_jobs)
    return max(1, min(workers, n_tasks))


def _one_blas_thread():
    """Worker initialiser: one BLAS thread per process (k processes share the k cores)."""
    try:
        from threadpoolctl import threadpool_limits  # noqa: PLC0415 - optional
    except ImportError:
        return
    threadpool_limits(limits=1, user_api="blas")


def _fit_and_score_job(job):
    return _fit_and_score(*job)


def _run_fits(jobs, n_jobs, who):
    """``_fit_and_score`` of every job (a tuple of its arguments), in order, maybe in worker
    processes. Jobs that cannot be pickled (a lambda scorer, say) run here, with a warning."""
    workers = _n_workers(n_jobs, len(jobs), who)
    if workers > 1:
        try:
            pickle.dumps(jobs[0])
        except (pickle.PicklingError, AttributeError, TypeError) as error:
            warnings.warn(f"{who}: n_jobs={n_jobs} needs picklable estimator, scoring and "
                          f"data ({error}); running the fits one after another instead",
                          RuntimeWarning, stacklevel=3)
            workers = 1
    if workers == 1:
        return [_fit_and_score(*job) for job in jobs]
    with cf.ProcessPoolExecutor(max_workers=workers, initializer=_one_blas_thread) as pool:
        return list(pool.map(_fit_and_score_job, jobs))


def _translate_train_sizes(train_sizes, n_max):
    sizes = np.asarray(train_sizes)
    if sizes.size == 0:
        raise ValueError("train_sizes is empty")
    n_ticks = sizes.shape[0]
    low, high = np.min(sizes), np.max(sizes)
    if np.issubdtype(sizes.dtype, np.floating):
        if low <= 0.0 or high > 1.0:
            raise ValueError(f"train_sizes has been interpreted as fractions of the maximum "
                             f"number of training samples and must be within (0, 1], but is "
                             f"within [{low:f}, {high:f}].")
        sizes = np.clip((sizes * n_max).astype(int), 1, n_max)
    elif low <= 0 or high > n_max:
        raise ValueError(f"train_sizes has been interpreted as absolute numbers of training "
                         f"samples and must be within (0, {n_max}], but is within "
                         f"[{low}, {high}].")
    sizes = np.unique(sizes)
    if n_ticks > sizes.shape[0]:
        warnings.warn(f"Removed duplicate entries from 'train_sizes'. Number of ticks will be "
                      f"less than the size of 'train_sizes': {sizes.shape[0]} instead of "
                      f"{n_ticks}.", RuntimeWarning, stacklevel=3)
    return sizes


def learning_curve(estimator, X, y, *, groups=None, train_sizes=np.linspace(0.1, 1.0, 5),
                   cv=None, scoring=None, exploit_incremental_learning=False, n_jobs=None,
                   pre_dispatch="all", verbose=0, shuffle=False, random_state=None,
                   error_score=np.nan, return_times=False, params=None):
    """Train and validation scores for growing training sets (scikit-learn's function).

    Returns ``train_sizes_abs`` (n_ticks,), ``train_scores`` and ``test_scores``
    (n_ticks, n_folds), and with ``return_times`` also ``fit_times`` and ``score_times``.
    ``exploit_incremental_learning`` is not supported (a ValueError says so).
    """
    who = "learning_curve"
    _check_estimator(estimator, who)
    if exploit_incremental_learning:
        raise ValueError("learning_curve: exploit_incremental_learning=True is not supported "
                         "by deepgrad's learning_curve; every size is fitted from scratch")
    n = _check_data(X, y, who)
    _n_workers(n_jobs, 1, who)                           # a bad n_jobs fails before any work
    splitter = _check_cv(cv, y, _is_classifier(estimator))
    scorer = _scorer(estimator, scoring, who)
    folds = [(np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(X, y, groups)]
    sizes = _translate_train_sizes(train_sizes, len(folds[0][0]))
    if shuffle:
        rng = check_random_state(random_state)
        folds = [(rng.permutation(train), test) for train, test in folds]
    jobs = [(estimator, X, y, train[:size], test, scorer, params, error_score, n)
            for train, test in folds for size in sizes]
    table = np.array(_run_fits(jobs, n_jobs, who), dtype=np.float64)
    table = table.reshape(len(folds), len(sizes), 4)      # (folds, ticks, 4)
    out = [sizes, table[:, :, 0].T, table[:, :, 1].T]
    if return_times:
        out += [table[:, :, 2].T, table[:, :, 3].T]
    return tuple(out)


def validation_curve(estimator, X, y, *, param_name, param_range, groups=None, cv=None,
                     scoring=None, n_jobs=None, pre_dispatch="all", verbose=0,
                     error_score=np.nan, params=None):
    """Train and validation scores as one parameter varies (scikit-learn's function).

    Each value of ``param_range`` is set with ``set_params(**{param_name: value})`` on a
    clone. Returns ``train_scores`` and ``test_scores`` of shape (len(param_range), n_folds).
    """
    who = "validation_curve"
    _check_estimator(estimator, who)
    if not hasattr(estimator, "set_params"):
        raise TypeError(f"{who}: estimator needs set_params to vary {param_name!r}; "
                        f"{type(estimator).__name__} has none")
    values = list(param_range)
    if not values:
        raise ValueError(f"{who}: param_range is empty")
    n = _check_data(X, y, who)
    _n_workers(n_jobs, 1, who)
    splitter = _check_cv(cv, y, _is_classifier(estimator))
    scorer = _scorer(estimator, scoring, who)
    folds = [(np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(X, y, groups)]
    jobs = [(_clone(estimator).set_params(**{param_name: value}), X, y, train, test, scorer,
             params, error_score, n) for train, test in folds for value in values]
    table = np.array(_run_fits(jobs, n_jobs, who), dtype=np.float64)
    table = table.reshape(len(folds), len(values), 4)     # (folds, values, 4)
    return table[:, :, 0].T, table[:, :, 1].T
