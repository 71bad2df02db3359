"""Regression metrics: MSE, RMSE, MAE and R^2, with scikit-learn's ``multioutput``."""
import numpy as np

from ._utils import check_lengths, to_array, weights_or_ones


def _check(y_true, y_pred, sample_weight):
    y_true = to_array(y_true, "y_true").astype(np.float64)
    y_pred = to_array(y_pred, "y_pred").astype(np.float64)
    if y_true.ndim == 1:
        y_true = y_true[:, None]
    if y_pred.ndim == 1:
        y_pred = y_pred[:, None]
    check_lengths(y_true, y_pred)
    if y_true.shape[1] != y_pred.shape[1]:
        raise ValueError(f"y_true and y_pred have different number of output "
                         f"({y_true.shape[1]}!={y_pred.shape[1]})")
    w = None if sample_weight is None else weights_or_ones(sample_weight, len(y_true))
    return y_true, y_pred, w


def _combine(per_output, multioutput):
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return per_output
        if multioutput == "uniform_average":
            return float(np.mean(per_output))
        raise ValueError(f"multioutput must be 'raw_values', 'uniform_average' or an array of "
                         f"weights, got {multioutput!r}.")
    weights = np.asarray(multioutput, dtype=np.float64)
    if weights.shape != per_output.shape:
        raise ValueError(f"There must be equally many custom weights ({weights.shape[0]}) as "
                         f"outputs ({per_output.shape[0]}).")
    return float(np.average(per_output, weights=weights))


def mean_squared_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """MSE = (1/n) sum_i (y_i - yhat_i)^2 (per output, then combined by ``multioutput``:
    "uniform_average", "raw_values" or an array of output weights).

    Example::

        >>> mean_squared_error([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
        0.375
    """
    y_true, y_pred, w = _check(y_true, y_pred, sample_weight)
    return _combine(np.average((y_true - y_pred) ** 2, axis=0, weights=w), multioutput)


def root_mean_squared_error(y_true, y_pred, *, sample_weight=None,
                            multioutput="uniform_average"):
    """RMSE = sqrt(MSE), per output before combining (as scikit-learn)."""
    y_true, y_pred, w = _check(y_true, y_pred, sample_weight)
    return _combine(np.sqrt(np.average((y_true - y_pred) ** 2, axis=0, weights=w)), multioutput)


def mean_absolute_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """MAE = (1/n) sum_i |y_i - yhat_i|."""
    y_true, y_pred, w = _check(y_true, y_pred, sample_weight)
    return _combine(np.average(np.abs(y_true - y_pred), axis=0, weights=w), multioutput)


def r2_score(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average",
             force_finite=True):
    """Coefficient of determination R^2 = 1 - SS_res / SS_tot, SS_res = sum (y - yhat)^2,
    SS_tot = sum (y - mean(y))^2. 1 is perfect, 0 is as good as predicting the mean.

    A constant y_true (SS_tot = 0) gives 1.0 for a perfect prediction and 0.0 otherwise
    with ``force_finite`` (else nan / -inf). ``multioutput`` may also be
    "variance_weighted" (outputs weighted by their SS_tot).
    """
    y_true, y_pred, w = _check(y_true, y_pred, sample_weight)
    if len(y_true) < 2:
        import warnings  # noqa: PLC0415
        warnings.warn("R^2 score is not well-defined with less than two samples.", UserWarning,
                      stacklevel=2)
        return float("nan")
    ww = np.ones(len(y_true)) if w is None else w
    ss_res = (ww[:, None] * (y_true - y_pred) ** 2).sum(axis=0)
    mean = np.average(y_true, axis=0, weights=ww)
    ss_tot = (ww[:, None] * (y_true - mean) ** 2).sum(axis=0)
    nonzero_tot, nonzero_res = ss_tot != 0, ss_res != 0
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = 1 - ss_res / ss_tot
    if force_finite:
        scores = np.where(nonzero_tot, scores, np.where(nonzero_res, 0.0, 1.0))
    if isinstance(multioutput, str) and multioutput == "variance_weighted":
        if not nonzero_tot.any():
            return float(scores.mean())
        return float(np.average(scores, weights=ss_tot))
    return _combine(scores, multioutput)
