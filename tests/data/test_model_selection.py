"""deepgrad.model_selection against scikit-learn: same indices, fold sizes, stratification;
cross_validate fits preprocessing on training folds only."""
import numpy as np
import pytest

import deepgrad
from deepgrad import metrics as M
from deepgrad import model_selection as MS
from deepgrad import preprocessing as P

pytest.importorskip("sklearn")
from sklearn import model_selection as skms  # noqa: E402


def _labels(n=50, seed=0, p=(0.5, 0.3, 0.2)):
    rng = np.random.default_rng(seed)
    return rng.choice(len(p), size=n, p=p)


def _same_splits(ours, theirs):
    ours, theirs = list(ours), list(theirs)
    assert len(ours) == len(theirs)
    for (a_tr, a_te), (b_tr, b_te) in zip(ours, theirs):
        np.testing.assert_array_equal(a_tr, b_tr)
        np.testing.assert_array_equal(a_te, b_te)


def _check_partition(splits, n):
    """Every sample is tested exactly once; train and test are disjoint and cover all."""
    tested = np.concatenate([te for _, te in splits])
    np.testing.assert_array_equal(np.sort(tested), np.arange(n))
    for tr, te in splits:
        assert np.intersect1d(tr, te).size == 0
        np.testing.assert_array_equal(np.union1d(tr, te), np.arange(n))


# --- train_test_split ----------------------------------------------------------------------

@pytest.mark.parametrize("n", [10, 37, 100])
@pytest.mark.parametrize("sizes", [dict(), dict(test_size=0.33), dict(train_size=0.6),
                                   dict(test_size=7), dict(train_size=5, test_size=0.2),
                                   dict(test_size=0.25, train_size=0.5)])
@pytest.mark.parametrize("shuffle", [True, False])
def test_train_test_split_same_as_sklearn(n, sizes, shuffle):
    X, y = np.arange(n * 2).reshape(n, 2), np.arange(n)
    rs = dict(random_state=3) if shuffle else {}
    ours = MS.train_test_split(X, y, shuffle=shuffle, **sizes, **rs)
    theirs = skms.train_test_split(X, y, shuffle=shuffle, **sizes, **rs)
    assert len(ours) == 4
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("test_size", [0.2, 0.35, 9])
def test_stratified_train_test_split_same_as_sklearn(test_size):
    y = _labels(60)
    X = np.arange(60)
    ours = MS.train_test_split(X, y, test_size=test_size, stratify=y, random_state=1)
    theirs = skms.train_test_split(X, y, test_size=test_size, stratify=y, random_state=1)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
    _, _, y_tr, y_te = ours
    # class ratios kept: per-class counts within one of the exact share
    for c, total in zip(*np.unique(y, return_counts=True)):
        assert abs((y_te == c).sum() - total * len(y_te) / len(y)) < 1 + 1e-9


def test_train_test_split_tensors_lists_and_many_arrays():
    X = deepgrad.randn(20, 3)
    y = deepgrad.arange(20)
    names = [f"s{i}" for i in range(20)]
    X_tr, X_te, y_tr, y_te, n_tr, n_te = MS.train_test_split(X, y, names, test_size=0.25,
                                                             random_state=0)
    assert isinstance(X_tr, deepgrad.Tensor) and X_tr.dtype == X.dtype
    assert X_tr.shape == (15, 3) and X_te.shape == (5, 3) and isinstance(n_tr, list)
    # rows stay aligned across arrays
    np.testing.assert_array_equal(X_te.numpy(), X.numpy()[y_te.numpy()])
    assert n_te == [f"s{i}" for i in y_te.tolist()]
    _, idx_te = MS.train_test_split(np.arange(20), test_size=0.25, random_state=0)
    np.testing.assert_array_equal(y_te.numpy(), idx_te)


def test_train_test_split_bad_input():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        MS.train_test_split(np.zeros(5), np.zeros(6))
    with pytest.raises(ValueError, match="test_size=1.5"):
        MS.train_test_split(np.zeros(5), test_size=1.5)
    with pytest.raises(ValueError, match="train set will be empty"):
        MS.train_test_split(np.zeros(3), test_size=0.9)
    y = np.array([0, 0, 0, 0, 1, 1, 1, 2])
    with pytest.raises(ValueError, match="class 2 has 1 member"):
        MS.train_test_split(np.zeros(8), stratify=y, test_size=0.5, random_state=0)
    with pytest.raises(ValueError, match="shuffle=False"):
        MS.train_test_split(np.zeros(8), stratify=y, shuffle=False)


def test_train_val_test_split():
    X, y = np.arange(100), _labels(100, seed=4)
    parts = MS.train_val_test_split(X, y, val_size=0.2, test_size=0.1, random_state=0)
    X_tr, X_va, X_te, y_tr, y_va, y_te = parts
    assert (len(X_tr), len(X_va), len(X_te)) == (70, 20, 10)
    np.testing.assert_array_equal(np.sort(np.concatenate([X_tr, X_va, X_te])), X)
    np.testing.assert_array_equal(y[X_va], y_va)
    strat = MS.train_val_test_split(X, y, val_size=0.3, test_size=0.3, stratify=y,
                                    random_state=1)
    for part in strat[3:]:
        for c, total in zip(*np.unique(y, return_counts=True)):
            assert abs((part == c).sum() - total * len(part) / len(y)) < 1 + 1e-9
    again = MS.train_val_test_split(X, y, val_size=0.2, test_size=0.1, random_state=0)
    for a, b in zip(parts, again):
        np.testing.assert_array_equal(a, b)


# --- splitters -----------------------------------------------------------------------------

@pytest.mark.parametrize("n,k", [(10, 2), (17, 5), (23, 4), (6, 6)])
@pytest.mark.parametrize("shuffle", [False, True])
def test_kfold_same_as_sklearn(n, k, shuffle):
    X = np.zeros((n, 2))
    rs = 5 if shuffle else None
    ours = list(MS.KFold(k, shuffle=shuffle, random_state=rs).split(X))
    _same_splits(ours, skms.KFold(k, shuffle=shuffle, random_state=rs).split(X))
    _check_partition(ours, n)
    assert MS.KFold(k).get_n_splits() == k


@pytest.mark.parametrize("k", [2, 3, 5])
@pytest.mark.parametrize("shuffle", [False, True])
def test_stratified_kfold_same_as_sklearn(k, shuffle):
    y = _labels(61, seed=k)
    X = np.zeros((61, 1))
    rs = 7 if shuffle else None
    ours = list(MS.StratifiedKFold(k, shuffle=shuffle, random_state=rs).split(X, y))
    _same_splits(ours, skms.StratifiedKFold(k, shuffle=shuffle, random_state=rs).split(X, y))
    _check_partition(ours, 61)
    classes, totals = np.unique(y, return_counts=True)
    for _, te in ours:  # each fold holds each class in proportion (within one sample)
        for c, total in zip(classes, totals):
            assert abs((y[te] == c).sum() - total / k) < 1


def test_stratified_kfold_string_labels_and_tensor():
    y = np.array(["b", "a", "c", "a", "b", "c", "a", "b", "c", "a"])
    X = deepgrad.zeros(10, 2)
    _same_splits(MS.StratifiedKFold(3).split(X, y),
                 skms.StratifiedKFold(3).split(np.zeros((10, 2)), y))
    yt = deepgrad.tensor([0, 1, 0, 1, 0, 1, 0, 1])
    _same_splits(MS.StratifiedKFold(2).split(np.zeros(8), yt),
                 skms.StratifiedKFold(2).split(np.zeros(8), yt.numpy()))


def test_stratified_kfold_too_small_class_names_it():
    y = np.array([0] * 6 + [1] * 6 + [7] * 2)
    with pytest.raises(ValueError, match=r"class 7 has 2 member\(s\).*n_splits=3"):
        list(MS.StratifiedKFold(3).split(np.zeros(14), y))
    with pytest.raises(ValueError, match="class 7 has 2"):
        list(MS.RepeatedStratifiedKFold(n_splits=3, n_repeats=2).split(np.zeros(14), y))


@pytest.mark.parametrize("cls,skcls", [(MS.RepeatedKFold, skms.RepeatedKFold),
                                       (MS.RepeatedStratifiedKFold,
                                        skms.RepeatedStratifiedKFold)])
def test_repeated_same_as_sklearn(cls, skcls):
    y = _labels(40, seed=9)
    X = np.zeros((40, 1))
    ours = list(cls(n_splits=4, n_repeats=3, random_state=11).split(X, y))
    _same_splits(ours, skcls(n_splits=4, n_repeats=3, random_state=11).split(X, y))
    assert cls(n_splits=4, n_repeats=3).get_n_splits() == 12 == len(ours)
    for r in range(3):  # each repeat is a full k-fold pass
        _check_partition(ours[4 * r:4 * r + 4], 40)


def test_leave_one_out_same_as_sklearn():
    X = np.zeros((7, 2))
    ours = list(MS.LeaveOneOut().split(X))
    _same_splits(ours, skms.LeaveOneOut().split(X))
    _check_partition(ours, 7)
    assert MS.LeaveOneOut().get_n_splits(X) == 7


@pytest.mark.parametrize("sizes", [dict(), dict(test_size=0.3), dict(test_size=4, train_size=10)])
def test_shuffle_split_same_as_sklearn(sizes):
    X = np.zeros((25, 2))
    _same_splits(MS.ShuffleSplit(5, random_state=2, **sizes).split(X),
                 skms.ShuffleSplit(5, random_state=2, **sizes).split(X))
    y = _labels(25, seed=2)
    _same_splits(MS.StratifiedShuffleSplit(4, test_size=0.4, random_state=3).split(X, y),
                 skms.StratifiedShuffleSplit(4, test_size=0.4, random_state=3).split(X, y))


@pytest.mark.parametrize("k", [2, 3, 4])
def test_group_kfold_same_as_sklearn(k):
    rng = np.random.default_rng(k)
    groups = rng.integers(0, 9, size=50)
    X = np.zeros((50, 1))
    ours = list(MS.GroupKFold(k).split(X, groups=groups))
    _same_splits(ours, skms.GroupKFold(k).split(X, groups=groups))
    _check_partition(ours, 50)
    for tr, te in ours:  # no group on both sides
        assert np.intersect1d(groups[tr], groups[te]).size == 0
    shuffled = list(MS.GroupKFold(k, shuffle=True, random_state=0).split(X, groups=groups))
    _same_splits(shuffled, skms.GroupKFold(k, shuffle=True, random_state=0).split(X,
                                                                                 groups=groups))
    with pytest.raises(ValueError, match="number of groups"):
        list(MS.GroupKFold(5).split(np.zeros(4), groups=[0, 0, 1, 1]))


@pytest.mark.parametrize("kw", [dict(), dict(n_splits=3), dict(max_train_size=10),
                                dict(test_size=4), dict(gap=2), dict(n_splits=4, test_size=3,
                                                                     gap=1, max_train_size=7)])
def test_time_series_split_same_as_sklearn(kw):
    X = np.zeros((30, 1))
    ours = list(MS.TimeSeriesSplit(**kw).split(X))
    _same_splits(ours, skms.TimeSeriesSplit(**kw).split(X))
    for tr, te in ours:  # never train on the future
        assert tr.max() < te.min()
    with pytest.raises(ValueError, match="Too many splits"):
        list(MS.TimeSeriesSplit(n_splits=5, test_size=10).split(X))


def test_bootstrap_out_of_bag():
    in_bag, oob = MS.bootstrap_indices(2000, random_state=0)
    assert len(in_bag) == 2000 and in_bag.min() >= 0 and in_bag.max() < 2000
    np.testing.assert_array_equal(oob, np.setdiff1d(np.arange(2000), in_bag))
    assert abs(len(oob) / 2000 - np.exp(-1)) < 0.03  # P(never drawn) -> 1/e
    splits = list(MS.Bootstrap(5, random_state=1).split(np.zeros(50)))
    assert len(splits) == 5 == MS.Bootstrap(5).get_n_splits()
    for tr, te in splits:
        assert len(tr) == 50 and np.intersect1d(tr, te).size == 0
        np.testing.assert_array_equal(np.union1d(tr, te), np.arange(50))
    a, b = MS.bootstrap_indices(30, 10, random_state=4), MS.bootstrap_indices(30, 10,
                                                                               random_state=4)
    np.testing.assert_array_equal(a[0], b[0])
    assert len(a[0]) == 10


def test_deepgrad_seed_controls_default_randomness():
    deepgrad.manual_seed(123)
    a = MS.train_test_split(np.arange(30))
    deepgrad.manual_seed(123)
    b = MS.train_test_split(np.arange(30))
    np.testing.assert_array_equal(a[1], b[1])


def test_splitter_bad_input():
    with pytest.raises(ValueError, match="n_splits=2 or more"):
        MS.KFold(1)
    with pytest.raises(ValueError, match="n_splits=5 greater than the number of samples"):
        list(MS.KFold(5).split(np.zeros(3)))
    with pytest.raises(ValueError, match="random_state has no effect"):
        MS.KFold(3, random_state=0)


# --- cross_validate ------------------------------------------------------------------------

class NearestCentroid:
    """A tiny deepgrad model: class scores are minus squared distances to class means."""

    def __init__(self):
        self.centroids = None

    def __call__(self, X):
        X = X if isinstance(X, deepgrad.Tensor) else deepgrad.tensor(np.asarray(X))
        d = ((X.unsqueeze(1) - self.centroids.unsqueeze(0)) ** 2).sum(dim=2)
        return -d


def train_centroids(model, X, y):
    X = X.numpy() if isinstance(X, deepgrad.Tensor) else np.asarray(X)
    y = y.numpy() if isinstance(y, deepgrad.Tensor) else np.asarray(y)
    model.centroids = deepgrad.tensor(np.stack([X[y == c].mean(0) for c in range(3)]))


class RecordingScaler(P.StandardScaler):
    """A StandardScaler that records every array it is fitted on (class-level log, since
    cross_validate clones it per fold)."""

    log = []

    def fit(self, X, y=None):
        RecordingScaler.log.append(np.array(X.numpy() if isinstance(X, deepgrad.Tensor) else X))
        return super().fit(X, y)


def _blobs(n=90, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), n // 3)
    X = rng.normal(size=(n, 4)) + 2.5 * y[:, None] * np.array([1.0, -1.0, 0.5, 0.0]) + 10
    perm = rng.permutation(n)
    return X[perm], y[perm]


def test_cross_validate_preprocess_fit_on_training_folds_only():
    X, y = _blobs()
    RecordingScaler.log = []
    cv = MS.KFold(5, shuffle=True, random_state=0)
    res = MS.cross_validate(NearestCentroid, train_centroids, X, y, cv=cv,
                            scoring=["accuracy", "f1_macro"], preprocess=RecordingScaler(),
                            return_models=True)
    folds = list(cv.split(X))
    assert len(RecordingScaler.log) == 5
    for (tr, te), fitted_on in zip(folds, RecordingScaler.log):
        np.testing.assert_array_equal(fitted_on, X[tr])  # exactly the training fold
    for (tr, _), pre in zip(folds, res["preprocessors"]):
        np.testing.assert_allclose(pre.mean_, X[tr].mean(0))  # not the full-data mean
    # the reported scores are what the metrics give on each held-out fold
    for (tr, te), model, pre, acc in zip(folds, res["models"], res["preprocessors"],
                                          res["test_accuracy"]):
        pred = model(deepgrad.tensor(pre.transform(X[te]))).numpy().argmax(1)
        assert acc == M.accuracy_score(y[te], pred)
    assert res["test_accuracy"].shape == (5,) and res["n_splits"] == 5
    assert res["mean_test_accuracy"] == pytest.approx(res["test_accuracy"].mean())
    assert res["std_test_accuracy"] == pytest.approx(res["test_accuracy"].std())
    assert res["mean_test_f1_macro"] == pytest.approx(res["test_f1_macro"].mean())
    assert res["mean_test_accuracy"] > 0.8


def test_cross_validate_factory_dict_scoring_tensors_and_stratified():
    X, y = _blobs(seed=1)
    Xt, yt = deepgrad.tensor(X), deepgrad.tensor(y)
    seen = []

    def factory():
        s = P.MinMaxScaler()
        seen.append(s)
        return s

    def score_count(model, X_te, y_te):
        assert isinstance(X_te, deepgrad.Tensor)
        return float(len(y_te))

    res = MS.cross_validate(NearestCentroid, train_centroids, Xt, yt,
                            cv=MS.StratifiedKFold(3), preprocess=factory,
                            scoring={"n": score_count, "acc": "accuracy"},
                            return_train_score=True)
    assert len(seen) == 3 and len({id(s) for s in seen}) == 3
    np.testing.assert_array_equal(res["test_n"], [30, 30, 30])
    assert set(res) >= {"test_acc", "train_acc", "mean_train_acc", "std_test_n", "fit_time"}


def test_cross_validate_regression_scoring():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=60)

    class Linear:
        def __call__(self, X):
            return deepgrad.tensor(np.asarray(X)) @ self.w

    def fit(model, X, y):
        model.w = deepgrad.tensor(np.linalg.lstsq(X, y, rcond=None)[0])

    res = MS.cross_validate(Linear, fit, X, y, cv=4, scoring=["r2", "neg_mean_squared_error"])
    folds = list(MS.KFold(4).split(X))
    for (tr, te), r2 in zip(folds, res["test_r2"]):
        w = np.linalg.lstsq(X[tr], y[tr], rcond=None)[0]
        assert r2 == pytest.approx(M.r2_score(y[te], X[te] @ w))
    assert (res["test_neg_mean_squared_error"] < 0).all()
    groups = np.arange(60) % 7
    res = MS.cross_validate(Linear, fit, X, y, MS.GroupKFold(3), "mae", None, groups=groups)
    for (tr, te), mae in zip(MS.GroupKFold(3).split(X, groups=groups), res["test_mae"]):
        w = np.linalg.lstsq(X[tr], y[tr], rcond=None)[0]
        assert mae == pytest.approx(M.mean_absolute_error(y[te], X[te] @ w))
    assert res["n_splits"] == 3
    with pytest.raises(ValueError, match="Unknown scoring 'bogus'"):
        MS.cross_validate(Linear, fit, X, y, scoring=["bogus"])


# --- deepgrad's splitters inside scikit-learn's searches ---------------------------------

@pytest.mark.parametrize("ours,theirs", [
    (MS.KFold(4, shuffle=True, random_state=3), skms.KFold(4, shuffle=True, random_state=3)),
    (MS.StratifiedKFold(3, shuffle=True, random_state=1),
     skms.StratifiedKFold(3, shuffle=True, random_state=1)),
    (MS.ShuffleSplit(5, test_size=0.25, random_state=0),
     skms.ShuffleSplit(5, test_size=0.25, random_state=0)),
    (MS.RepeatedStratifiedKFold(n_splits=3, n_repeats=2, random_state=2),
     skms.RepeatedStratifiedKFold(n_splits=3, n_repeats=2, random_state=2))])
def test_splitters_as_cv_of_sklearn_searches(ours, theirs):
    """deepgrad has no estimators in model_selection; its splitters are what scikit-learn
    meets there, as ``cv=`` of its searches (split + get_n_splits)."""
    from sklearn.linear_model import RidgeClassifier  # closed form: fast and exact
    from sklearn.model_selection import GridSearchCV, cross_val_score
    y = _labels(60, seed=4, p=(0.5, 0.5))
    X = np.random.default_rng(5).normal(size=(60, 3)) + y[:, None]
    model = RidgeClassifier()
    np.testing.assert_array_equal(cross_val_score(model, X, y, cv=ours),
                                  cross_val_score(model, X, y, cv=theirs))
    grid = {"alpha": [0.01, 100.0]}
    a = GridSearchCV(model, grid, cv=ours).fit(X, y)
    b = GridSearchCV(model, grid, cv=theirs).fit(X, y)
    assert a.n_splits_ == b.n_splits_ == ours.get_n_splits(X, y)
    np.testing.assert_array_equal(a.cv_results_["mean_test_score"],
                                  b.cv_results_["mean_test_score"])
