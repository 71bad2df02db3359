"""Input handling shared by the metrics: lists, arrays and deepgrad tensors alike."""
import warnings

import numpy as np

from ..tensor import Tensor


class UndefinedMetricWarning(UserWarning):
    """A metric is ill-defined (e.g. precision with no predicted positives) and was set to
    ``zero_division``."""


def to_array(x, name="y"):
    """NumPy array from a list, array or tensor (tensors are detached and copied to CPU)."""
    if isinstance(x, Tensor):
        return x.detach().cpu().numpy()
    arr = np.asarray(x)
    if arr.dtype.kind == "O":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            pass
    return arr


def column_or_1d(y, name="y"):
    y = to_array(y, name)
    if y.ndim == 2 and y.shape[1] == 1:
        return y.ravel()
    if y.ndim != 1:
        raise ValueError(f"{name} should be a 1d array, got an array of shape {y.shape} instead.")
    return y


def check_lengths(*arrays, names=None):
    lengths = [len(a) for a in arrays if a is not None]
    if len(set(lengths)) > 1:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: "
                         f"{lengths}")


def weights_or_ones(sample_weight, n):
    if sample_weight is None:
        return np.ones(n, dtype=np.float64)
    w = column_or_1d(sample_weight, "sample_weight").astype(np.float64)
    if len(w) != n:
        raise ValueError(f"sample_weight.shape == ({len(w)},), expected ({n},)!")
    return w


def zero_division_value(zero_division):
    """The value of an undefined ratio: 0 for "warn" (with a warning), else as given."""
    if zero_division == "warn":
        return 0.0
    if zero_division in (0, 1) or (isinstance(zero_division, float) and np.isnan(zero_division)):
        return float(zero_division)
    raise ValueError(f"zero_division must be 'warn', 0.0, 1.0 or np.nan, got {zero_division!r}.")


def safe_divide(num, den, zero_division, what):
    """num / den element-wise; where den == 0 the result is ``zero_division``'s value."""
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    bad = den == 0
    out = np.divide(num, np.where(bad, 1.0, den))
    if bad.any():
        out = np.where(bad, zero_division_value(zero_division), out)
        if zero_division == "warn":
            warnings.warn(f"{what} is ill-defined and being set to 0.0 in labels with no "
                          "samples. Use `zero_division` parameter to control this behavior.",
                          UndefinedMetricWarning, stacklevel=4)
    return out
