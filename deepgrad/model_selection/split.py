"""One-shot splits: train_test_split and train_val_test_split (scikit-learn's size rules)."""
import math
import numbers

import numpy as np

from ._utils import as_labels, check_consistent_length, check_random_state, num_samples, take


def split_sizes(n_samples, test_size, train_size, default_test_size=None):
    """(n_train, n_test) from float fractions or int counts, scikit-learn's rules:

    a float test fraction rounds up (ceil), a float train fraction rounds down (floor); a
    missing size is the complement of the other; ``default_test_size`` is used when both
    are None.
    """
    if test_size is None and train_size is None:
        test_size = default_test_size
    for name, size in (("test_size", test_size), ("train_size", train_size)):
        if size is None:
            continue
        is_int = isinstance(size, numbers.Integral) and not isinstance(size, bool)
        if not (is_int or isinstance(size, numbers.Real)):
            raise ValueError(f"Invalid value for {name}: {size!r}")
        if (is_int and not 0 < size < n_samples) or (not is_int and not 0 < size < 1):
            raise ValueError(f"{name}={size} should be either positive and smaller than the "
                             f"number of samples {n_samples} or a float in the (0, 1) range")
    if (isinstance(test_size, float) and isinstance(train_size, float)
            and test_size + train_size > 1):
        raise ValueError(f"The sum of test_size and train_size = {test_size + train_size}, "
                         "should be in the (0, 1) range. Reduce test_size and/or train_size.")
    n_test = (math.ceil(test_size * n_samples) if isinstance(test_size, float)
              else test_size)
    n_train = (math.floor(train_size * n_samples) if isinstance(train_size, float)
               else train_size)
    if train_size is None:
        n_train = n_samples - n_test
    elif test_size is None:
        n_test = n_samples - n_train
    if n_train + n_test > n_samples:
        raise ValueError(f"The sum of train_size and test_size = {n_train + n_test}, should be "
                         f"smaller than the number of samples {n_samples}. Reduce test_size "
                         "and/or train_size.")
    if n_train == 0:
        raise ValueError(f"With n_samples={n_samples}, test_size={test_size} and "
                         f"train_size={train_size}, the resulting train set will be empty. "
                         "Adjust any of the aforementioned parameters.")
    return int(n_train), int(n_test)


def approximate_mode(class_counts, n_draws, rng):
    """How many of each class to draw so that n_draws samples keep the class proportions:
    the floors of the exact shares, plus one for the classes with the largest remainders
    (ties broken at random), as scikit-learn's ``_approximate_mode``."""
    continuous = class_counts / class_counts.sum() * n_draws
    floored = np.floor(continuous)
    need = int(n_draws - floored.sum())
    if need > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (inds,) = np.where(remainder == value)
            add_now = min(len(inds), need)
            inds = rng.choice(inds, size=add_now, replace=False)
            floored[inds] += 1
            need -= add_now
            if need == 0:
                break
    return floored.astype(np.int64)


def check_stratify_counts(classes, counts, minimum, what):
    """ValueError naming every class with fewer than ``minimum`` members."""
    small = [(c, int(k)) for c, k in zip(classes.tolist(), counts) if k < minimum]
    if small:
        desc = ", ".join(f"class {c!r} has {k} member(s)" for c, k in small)
        raise ValueError(f"Too few members in a class to stratify: {desc}; {what} needs at "
                         f"least {minimum} per class.")


def stratified_shuffle_indices(y, n_train, n_test, rng):
    """One stratified shuffled split (scikit-learn's StratifiedShuffleSplit algorithm)."""
    classes, y_idx = np.unique(y, return_inverse=True)
    counts = np.bincount(y_idx)
    check_stratify_counts(classes, counts, 2, "a stratified split")
    if n_train < len(classes):
        raise ValueError(f"The train_size = {n_train} should be greater or equal to the number "
                         f"of classes = {len(classes)}")
    if n_test < len(classes):
        raise ValueError(f"The test_size = {n_test} should be greater or equal to the number "
                         f"of classes = {len(classes)}")
    class_indices = np.split(np.argsort(y_idx, kind="mergesort"), np.cumsum(counts)[:-1])
    n_i = approximate_mode(counts, n_train, rng)
    t_i = approximate_mode(counts - n_i, n_test, rng)
    train, test = [], []
    for i in range(len(classes)):
        perm = class_indices[i].take(rng.permutation(counts[i]), mode="clip")
        train.extend(perm[:n_i[i]])
        test.extend(perm[n_i[i]:n_i[i] + t_i[i]])
    return rng.permutation(train), rng.permutation(test)


def _split_indices(n, n_train, n_test, shuffle, stratify, random_state):
    if not shuffle:
        if stratify is not None:
            raise ValueError("Stratified train/test split is not implemented for shuffle=False")
        return np.arange(n_train), np.arange(n_train, n_train + n_test)
    rng = check_random_state(random_state)
    if stratify is not None:
        return stratified_shuffle_indices(as_labels(stratify, "stratify"), n_train, n_test, rng)
    perm = rng.permutation(n)
    return perm[n_test:n_test + n_train], perm[:n_test]


def train_test_split(*arrays, test_size=None, train_size=None, random_state=None, shuffle=True,
                     stratify=None):
    """Split arrays (NumPy, lists, deepgrad tensors) into random train and test subsets.

    Sizes: a float is a fraction (test rounds up, train down), an int a count; with both
    None the test set is 25 %. ``stratify`` (labels) keeps the class proportions in both
    parts; every class needs at least 2 members. An int ``random_state`` gives the same
    split as scikit-learn's ``train_test_split``.

    Returns:
        list: ``[a_train, a_test, b_train, b_test, ...]``, each part of its input's kind.

    Example::

        >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=0)  # doctest: +SKIP
    """
    if not arrays:
        raise ValueError("At least one array required as input")
    check_consistent_length(*arrays)
    n = num_samples(arrays[0])
    n_train, n_test = split_sizes(n, test_size, train_size, default_test_size=0.25)
    if stratify is not None:
        check_consistent_length(arrays[0], stratify)
    train, test = _split_indices(n, n_train, n_test, shuffle, stratify, random_state)
    out = []
    for a in arrays:
        out += [take(a, train), take(a, test)]
    return out


def train_val_test_split(*arrays, val_size=0.15, test_size=0.15, random_state=None,
                         shuffle=True, stratify=None):
    """Split arrays into train, validation and test parts (deepgrad's own helper).

    ``val_size`` and ``test_size`` are fractions of the *whole* data (float) or counts
    (int); the train part is the rest. The test part is split off first, then the
    validation part from the remainder, both stratified when ``stratify`` is given.

    Returns:
        list: ``[a_train, a_val, a_test, b_train, b_val, b_test, ...]``.

    Example::

        >>> X_tr, X_va, X_te, y_tr, y_va, y_te = train_val_test_split(X, y, random_state=0)  # doctest: +SKIP
    """
    if not arrays:
        raise ValueError("At least one array required as input")
    check_consistent_length(*arrays)
    n = num_samples(arrays[0])
    n_rest, n_test = split_sizes(n, test_size, None)
    n_val = math.ceil(val_size * n) if isinstance(val_size, float) else int(val_size)
    if not 0 < n_val < n_rest:
        raise ValueError(f"val_size={val_size} leaves no training samples: n_samples={n}, "
                         f"n_test={n_test}, n_val={n_val}.")
    rng = check_random_state(random_state) if shuffle else None
    rest, test = _split_indices(n, n_rest, n_test, shuffle, stratify, rng)
    strat_rest = None if stratify is None else as_labels(stratify)[rest]
    train_r, val_r = _split_indices(n_rest, n_rest - n_val, n_val, shuffle, strat_rest, rng)
    train, val = rest[train_r], rest[val_r]
    out = []
    for a in arrays:
        out += [take(a, train), take(a, val), take(a, test)]
    return out
