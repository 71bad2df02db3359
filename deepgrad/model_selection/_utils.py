"""Shared helpers: random states, indexing arrays and tensors, label arrays."""
import numbers

import numpy as np

from ..random import numpy_generator
from ..tensor import Tensor


def check_random_state(random_state):
    """A ``np.random.RandomState`` for ``random_state``.

    An int seeds a new RandomState, the same generator scikit-learn uses, so the same
    seed gives scikit-learn's indices. None draws a seed from deepgrad's default generator
    (``deepgrad.manual_seed`` makes it reproducible); a ``deepgrad.Generator`` likewise; a
    RandomState instance is used (and advanced) as is.
    """
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return np.random.RandomState(int(random_state))
    if random_state is None or hasattr(random_state, "np"):
        seed = numpy_generator(random_state).integers(0, 2 ** 32 - 1)
        return np.random.RandomState(int(seed))
    if isinstance(random_state, np.random.Generator):
        return np.random.RandomState(int(random_state.integers(0, 2 ** 32 - 1)))
    raise ValueError(f"random_state must be None, an int, a RandomState, a NumPy Generator or "
                     f"a deepgrad.Generator; got {random_state!r}.")


def num_samples(x):
    """Length of the first axis of an array, list or tensor."""
    if isinstance(x, Tensor):
        return x.shape[0] if x.dim() else 0
    if hasattr(x, "shape"):
        if len(x.shape) == 0:
            raise TypeError(f"Singleton array {x!r} cannot be considered a valid collection.")
        return x.shape[0]
    return len(x)


def take(x, idx):
    """Rows ``idx`` of x, in x's own kind (array, tensor, list or pandas object)."""
    idx = np.asarray(idx, dtype=np.int64)
    if isinstance(x, Tensor):
        return x[idx]
    if hasattr(x, "iloc"):
        return x.iloc[idx]
    if hasattr(x, "shape"):
        return x[idx]
    return [x[i] for i in idx]


def as_labels(y, what="y"):
    """A 1-D NumPy array of labels from a list, array or tensor (an (n, 1) column too)."""
    if isinstance(y, Tensor):
        y = y.detach().cpu().numpy()
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim == 2:
        # multilabel / one-hot rows: each distinct row is a class (as scikit-learn)
        y = np.array([" ".join(map(str, row)) for row in y])
    if y.ndim != 1:
        raise ValueError(f"{what} should be 1-D (or a column), got shape {y.shape}.")
    return y


def check_consistent_length(*arrays):
    lengths = [num_samples(a) for a in arrays if a is not None]
    if len(set(lengths)) > 1:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: "
                         f"{lengths}")
