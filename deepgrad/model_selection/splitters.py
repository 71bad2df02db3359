"""Cross-validation splitters: each ``split(X, y, groups)`` yields (train_idx, test_idx).

Deterministic splitters give scikit-learn's exact indices; the shuffling ones do too for
an int ``random_state`` (they draw from the same ``np.random.RandomState``).
"""
import numbers

import numpy as np

from ._utils import as_labels, check_random_state, num_samples
from .split import check_stratify_counts, split_sizes, stratified_shuffle_indices


class BaseCrossValidator:
    """A splitter: ``split`` yields index pairs, ``get_n_splits`` counts them."""

    def split(self, X, y=None, groups=None):
        n = num_samples(X)
        indices = np.arange(n)
        for test in self._iter_test_masks(X, y, groups):
            yield indices[~test], indices[test]

    def _iter_test_masks(self, X, y, groups):
        n = num_samples(X)
        for test_idx in self._iter_test_indices(X, y, groups):
            mask = np.zeros(n, dtype=bool)
            mask[test_idx] = True
            yield mask

    def _iter_test_indices(self, X, y, groups):
        raise NotImplementedError

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.n_splits

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"


class _KFoldBase(BaseCrossValidator):
    def __init__(self, n_splits, shuffle, random_state):
        if not isinstance(n_splits, numbers.Integral) or isinstance(n_splits, bool):
            raise ValueError(f"The number of folds must be of Integral type. {n_splits!r} of "
                             f"type {type(n_splits)} was passed.")
        if n_splits <= 1:
            raise ValueError("k-fold cross-validation requires at least one train/test split "
                             f"by setting n_splits=2 or more, got n_splits={n_splits}.")
        if not isinstance(shuffle, bool):
            raise TypeError(f"shuffle must be True or False; got {shuffle!r}")
        if not shuffle and random_state is not None:
            raise ValueError("Setting a random_state has no effect since shuffle is False. You "
                             "should leave random_state to its default (None), or set "
                             "shuffle=True.")
        self.n_splits = int(n_splits)
        self.shuffle = shuffle
        self.random_state = random_state

    def split(self, X, y=None, groups=None):
        n = num_samples(X)
        if self.n_splits > n:
            raise ValueError(f"Cannot have number of splits n_splits={self.n_splits} greater "
                             f"than the number of samples: n_samples={n}.")
        yield from super().split(X, y, groups)


class KFold(_KFoldBase):
    """K folds of consecutive samples (after an optional shuffle); each fold is the test
    set once. The first ``n % n_splits`` folds have one extra sample.

    Args:
        n_splits (int, default 5), shuffle (bool, default False), random_state.

    Example::

        >>> for train, test in KFold(3).split(np.zeros(6)): print(test)
        [0 1]
        [2 3]
        [4 5]
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        super().__init__(n_splits, shuffle, random_state)

    def _iter_test_indices(self, X, y=None, groups=None):
        n = num_samples(X)
        indices = np.arange(n)
        if self.shuffle:
            check_random_state(self.random_state).shuffle(indices)
        sizes = np.full(self.n_splits, n // self.n_splits, dtype=np.int64)
        sizes[: n % self.n_splits] += 1
        start = 0
        for size in sizes:
            yield indices[start:start + size]
            start += size


class StratifiedKFold(_KFoldBase):
    """K folds that keep the class proportions of ``y`` in every fold.

    The samples of each class (in order, or shuffled) are dealt to the folds so that the
    per-fold class counts differ by at most one (scikit-learn's allocation). Every class
    needs at least ``n_splits`` members, else a ValueError names the class and its count
    (scikit-learn only warns and leaves that class out of some folds).
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        super().__init__(n_splits, shuffle, random_state)

    def _make_test_folds(self, y):
        y = as_labels(y)
        # classes numbered in order of first appearance, as scikit-learn does
        _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
        _, class_perm = np.unique(first, return_inverse=True)
        y_enc = class_perm[inverse]
        n_classes = len(first)
        counts = np.bincount(y_enc)
        classes_in_order = y[np.sort(first)]
        check_stratify_counts(classes_in_order, counts, self.n_splits,
                              f"StratifiedKFold(n_splits={self.n_splits})")
        # deal the sorted labels round-robin: fold i gets every n_splits-th of them
        y_sorted = np.sort(y_enc)
        allocation = np.array([np.bincount(y_sorted[i::self.n_splits], minlength=n_classes)
                               for i in range(self.n_splits)])
        rng = check_random_state(self.random_state) if self.shuffle else None
        folds = np.empty(len(y), dtype=np.int64)
        for k in range(n_classes):
            fold_of_class = np.arange(self.n_splits).repeat(allocation[:, k])
            if self.shuffle:
                rng.shuffle(fold_of_class)
            folds[y_enc == k] = fold_of_class
        return folds

    def _iter_test_masks(self, X, y, groups=None):
        if y is None:
            raise ValueError("StratifiedKFold needs the labels y to stratify on.")
        folds = self._make_test_folds(y)
        for i in range(self.n_splits):
            yield folds == i

    def split(self, X, y, groups=None):
        if num_samples(X) != len(as_labels(y)):
            raise ValueError(f"X and y have different numbers of samples: {num_samples(X)} and "
                             f"{len(as_labels(y))}.")
        yield from super().split(X, y, groups)


class _Repeated:
    """Run a k-fold splitter ``n_repeats`` times with different shuffles (one RandomState
    advanced across repeats, as scikit-learn)."""

    cv = None

    def __init__(self, n_splits=5, n_repeats=10, random_state=None):
        if not isinstance(n_repeats, numbers.Integral) or n_repeats <= 0:
            raise ValueError(f"Number of repetitions must be greater than 0, got {n_repeats!r}.")
        self.n_splits = n_splits
        self.n_repeats = int(n_repeats)
        self.random_state = random_state

    def split(self, X, y=None, groups=None):
        rng = check_random_state(self.random_state)
        for _ in range(self.n_repeats):
            yield from self.cv(self.n_splits, shuffle=True, random_state=rng).split(X, y, groups)

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.n_splits * self.n_repeats

    def __repr__(self):
        return (f"{type(self).__name__}(n_splits={self.n_splits}, n_repeats={self.n_repeats}, "
                f"random_state={self.random_state!r})")


class RepeatedKFold(_Repeated):
    """KFold with shuffling, repeated ``n_repeats`` times."""

    cv = KFold


class RepeatedStratifiedKFold(_Repeated):
    """StratifiedKFold with shuffling, repeated ``n_repeats`` times."""

    cv = StratifiedKFold


class LeaveOneOut(BaseCrossValidator):
    """n splits, each testing on one sample (k-fold with k = n)."""

    def _iter_test_indices(self, X, y=None, groups=None):
        n = num_samples(X)
        if n <= 1:
            raise ValueError(f"Cannot perform LeaveOneOut with n_samples={n}.")
        return iter(np.arange(n)[:, None])

    def get_n_splits(self, X=None, y=None, groups=None):
        if X is None:
            raise ValueError("The 'X' parameter should not be None.")
        return num_samples(X)

    def __repr__(self):
        return "LeaveOneOut()"


class ShuffleSplit(BaseCrossValidator):
    """``n_splits`` independent random train/test splits (test 10 % by default); samples
    may appear in several test sets, unlike k-fold."""

    def __init__(self, n_splits=10, *, test_size=None, train_size=None, random_state=None):
        self.n_splits = n_splits
        self.test_size = test_size
        self.train_size = train_size
        self.random_state = random_state

    def split(self, X, y=None, groups=None):
        n = num_samples(X)
        n_train, n_test = split_sizes(n, self.test_size, self.train_size, default_test_size=0.1)
        rng = check_random_state(self.random_state)
        for _ in range(self.n_splits):
            perm = rng.permutation(n)
            yield perm[n_test:n_test + n_train], perm[:n_test]


class StratifiedShuffleSplit(ShuffleSplit):
    """ShuffleSplit keeping the class proportions of ``y`` in train and test."""

    def split(self, X, y, groups=None):
        y = as_labels(y)
        n_train, n_test = split_sizes(len(y), self.test_size, self.train_size,
                                      default_test_size=0.1)
        rng = check_random_state(self.random_state)
        for _ in range(self.n_splits):
            yield stratified_shuffle_indices(y, n_train, n_test, rng)


class GroupKFold(BaseCrossValidator):
    """K folds that never split a group (e.g. a patient, a session): each group's samples
    are all in the same test fold.

    Without shuffling, groups are assigned largest first to the fold with the fewest
    samples so far, which balances the fold sizes; with ``shuffle`` the groups are
    permuted and cut into ``n_splits`` nearly equal runs of groups (both scikit-learn's
    algorithms).
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        if n_splits <= 1:
            raise ValueError("k-fold cross-validation requires at least one train/test split "
                             f"by setting n_splits=2 or more, got n_splits={n_splits}.")
        if not shuffle and random_state is not None:
            raise ValueError("Setting a random_state has no effect since shuffle is False.")
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state

    def _iter_test_indices(self, X, y, groups):
        if groups is None:
            raise ValueError("The 'groups' parameter should not be None.")
        groups = as_labels(groups, "groups")
        unique, group_idx = np.unique(groups, return_inverse=True)
        if self.n_splits > len(unique):
            raise ValueError(f"Cannot have number of splits n_splits={self.n_splits} greater "
                             f"than the number of groups: {len(unique)}.")
        if self.shuffle:
            order = check_random_state(self.random_state).permutation(unique)
            for fold_groups in np.array_split(order, self.n_splits):
                yield np.flatnonzero(np.isin(groups, fold_groups))
            return
        sizes = np.bincount(group_idx)
        fold_load = np.zeros(self.n_splits)
        group_to_fold = np.zeros(len(unique), dtype=np.int64)
        for g in np.argsort(sizes, kind="stable")[::-1]:
            lightest = np.argmin(fold_load)
            fold_load[lightest] += sizes[g]
            group_to_fold[g] = lightest
        fold_of_sample = group_to_fold[group_idx]
        for f in range(self.n_splits):
            yield np.flatnonzero(fold_of_sample == f)


class TimeSeriesSplit(BaseCrossValidator):
    """Forward-chaining splits for ordered data: train on a prefix, test on the block that
    follows (after ``gap`` skipped samples); never trains on the future.

    Args:
        n_splits (int, default 5); max_train_size (int or None): keep only the latest
        samples for training; test_size (int or None, default n // (n_splits + 1));
        gap (int, default 0).
    """

    def __init__(self, n_splits=5, *, max_train_size=None, test_size=None, gap=0):
        if n_splits <= 1:
            raise ValueError("k-fold cross-validation requires at least one train/test split "
                             f"by setting n_splits=2 or more, got n_splits={n_splits}.")
        self.n_splits = n_splits
        self.max_train_size = max_train_size
        self.test_size = test_size
        self.gap = gap

    def split(self, X, y=None, groups=None):
        n = num_samples(X)
        n_folds = self.n_splits + 1
        test_size = self.test_size if self.test_size is not None else n // n_folds
        if n_folds > n:
            raise ValueError(f"Cannot have number of folds={n_folds} greater than the number of "
                             f"samples={n}.")
        if n - self.gap - test_size * self.n_splits <= 0:
            raise ValueError(f"Too many splits={self.n_splits} for number of samples={n} with "
                             f"test_size={test_size} and gap={self.gap}.")
        indices = np.arange(n)
        for test_start in range(n - self.n_splits * test_size, n, test_size):
            train_end = test_start - self.gap
            train_start = 0
            if self.max_train_size and self.max_train_size < train_end:
                train_start = train_end - self.max_train_size
            yield indices[train_start:train_end], indices[test_start:test_start + test_size]


class Bootstrap(BaseCrossValidator):
    """Bootstrap resampling: each split trains on ``n_samples`` (or ``train_size``) indices
    drawn *with replacement* and tests on the out-of-bag samples that were never drawn
    (about e^-1 = 36.8 % of the data for large n). Train indices repeat by design."""

    def __init__(self, n_splits=10, *, train_size=None, random_state=None):
        self.n_splits = n_splits
        self.train_size = train_size
        self.random_state = random_state

    def split(self, X, y=None, groups=None):
        n = num_samples(X)
        rng = check_random_state(self.random_state)
        for _ in range(self.n_splits):
            yield bootstrap_indices(n, self.train_size, random_state=rng)


def bootstrap_indices(n_samples, size=None, *, random_state=None):
    """(in_bag, out_of_bag): ``size`` (default n_samples) indices drawn with replacement,
    and the sorted indices never drawn."""
    if n_samples < 1:
        raise ValueError(f"bootstrap needs n_samples >= 1, got {n_samples}.")
    if size is None:
        size = n_samples
    elif isinstance(size, float):
        if not 0 < size <= 1:
            raise ValueError(f"size={size} as a fraction must be in (0, 1].")
        size = max(1, int(round(size * n_samples)))
    rng = check_random_state(random_state)
    in_bag = rng.randint(0, n_samples, size=size)
    drawn = np.zeros(n_samples, dtype=bool)
    drawn[in_bag] = True
    return in_bag, np.flatnonzero(~drawn)
