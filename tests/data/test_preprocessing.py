"""deepgrad.preprocessing against scikit-learn: estimator checks, same numbers, bad input."""
import pickle
import warnings

import numpy as np
import pytest

import deepgrad
from deepgrad import preprocessing as P

sklearn = pytest.importorskip("sklearn")
from sklearn import decomposition as skd  # noqa: E402
from sklearn import impute as ski  # noqa: E402
from sklearn import pipeline as skpipe  # noqa: E402
from sklearn import preprocessing as skp  # noqa: E402
from sklearn.base import clone as sk_clone  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

PIPE_XFAIL = {
    # the same expected failure scikit-learn declares for its own Pipeline: fitting the
    # pipeline fits the step objects held in ``steps``, which changes their hash
    "check_estimators_overwrite_params": "Pipeline fits the estimators held in its `steps` "
                                         "parameter (scikit-learn xfails this for its Pipeline)",
}

CHECKED = [
    (P.StandardScaler(), None), (P.StandardScaler(with_mean=False), None),
    (P.MinMaxScaler(feature_range=(-1, 2), clip=True), None), (P.MaxAbsScaler(), None),
    (P.RobustScaler(), None), (P.Normalizer(norm="l1"), None), (P.Binarizer(threshold=0.3), None),
    # scikit-learn checks its own OneHotEncoder with handle_unknown="ignore" (the checks
    # transform held-out values); OrdinalEncoder likewise needs an unknown-value code
    (P.OneHotEncoder(handle_unknown="ignore"), None),
    (P.OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), None),
    (P.SimpleImputer(), None), (P.SimpleImputer(strategy="median"), None),
    (P.PolynomialFeatures(degree=3), None), (P.FunctionTransformer(np.sqrt, validate=True), None),
    (P.FunctionTransformer(), None), (P.PCA(), None), (P.PCA(n_components=1, whiten=True), None),
    (P.Pipeline([("scale", P.StandardScaler()), ("pca", P.PCA())]), PIPE_XFAIL),
    (P.Pipeline([("impute", P.SimpleImputer()), ("skip", "passthrough"),
                 ("scale", P.MinMaxScaler()), ("poly", P.PolynomialFeatures())]), PIPE_XFAIL),
    (P.OneHotEncoder(drop="first", handle_unknown="ignore"), None), (P.OrdinalEncoder(), None),
    (P.SimpleImputer(strategy="most_frequent"), None), (P.SimpleImputer(strategy="constant"), None),
    (P.PolynomialFeatures(interaction_only=True, include_bias=False), None),
    (P.PCA(n_components=0.9), None), (P.Normalizer(norm="max"), None),
    (P.RobustScaler(quantile_range=(10.0, 90.0), unit_variance=True), None),
    # LogScaler's default offset=0 needs x > 0, but the checks' non-negative data holds
    # zeros; offset=1 (the log1p variant) is the configuration they can exercise
    (P.MeanNormalizer(), None), (P.LogScaler(offset=1.0), None), (P.ArctanScaler(), None),
    (P.DecimalScaler(), None), (P.LabelEncoder(), None),
]


@pytest.mark.parametrize("est,xfail", CHECKED, ids=[repr(e) for e, _ in CHECKED])
def test_sklearn_check_estimator(est, xfail):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "does not inherit from BaseEstimator", skips
        results = check_estimator(est, expected_failed_checks=xfail,
                                  on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results
              if r["status"] == "failed"]
    assert not failed, failed
    if not isinstance(est, P.LabelEncoder):  # 1-D only: scikit-learn skips it, as its own
        assert sum(r["status"] == "passed" for r in results) > 30


# --- same numbers as scikit-learn --------------------------------------------------------

def _data(seed=0, n=40, p=4, nan=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 5, size=p) + rng.normal(size=p) * 3
    X[:, -1] = np.round(X[:, -1])  # some ties (medians, most_frequent)
    if nan:
        X[rng.random(X.shape) < 0.15] = np.nan
    return X


def _fitted_attrs(est):
    return sorted(k for k in vars(est) if k.endswith("_") and not k.startswith("_"))


def _compare(ours, theirs, X_fit, X_new, attrs=None, inverse=True, rtol=1e-9):
    Z = ours.fit(X_fit).transform(X_new)
    Zs = theirs.fit(X_fit).transform(X_new)
    np.testing.assert_allclose(Z, Zs, rtol=rtol, atol=1e-10)
    np.testing.assert_allclose(ours.fit_transform(X_fit), theirs.fit_transform(X_fit),
                               rtol=rtol, atol=1e-10)
    for a in attrs if attrs is not None else _fitted_attrs(ours):
        va, vb = getattr(ours, a), getattr(theirs, a)
        if va is None or vb is None:
            assert va is None and vb is None, a
        else:
            np.testing.assert_allclose(np.asarray(va, dtype=np.float64),
                                       np.asarray(vb, dtype=np.float64), rtol=rtol, atol=1e-10,
                                       err_msg=a)
    if inverse:
        np.testing.assert_allclose(ours.inverse_transform(Z), theirs.inverse_transform(Zs),
                                   rtol=rtol, atol=1e-9)
        np.testing.assert_allclose(ours.inverse_transform(Z), X_new, rtol=1e-7, atol=1e-7)


SAME = [
    (P.StandardScaler(), skp.StandardScaler()),
    (P.StandardScaler(with_mean=False), skp.StandardScaler(with_mean=False)),
    (P.StandardScaler(with_std=False), skp.StandardScaler(with_std=False)),
    (P.MinMaxScaler(), skp.MinMaxScaler()),
    (P.MinMaxScaler(feature_range=(-3, 2)), skp.MinMaxScaler(feature_range=(-3, 2))),
    (P.MaxAbsScaler(), skp.MaxAbsScaler()),
    (P.RobustScaler(), skp.RobustScaler()),
    (P.RobustScaler(quantile_range=(10.0, 80.0), unit_variance=True),
     skp.RobustScaler(quantile_range=(10.0, 80.0), unit_variance=True)),
    (P.RobustScaler(with_centering=False), skp.RobustScaler(with_centering=False)),
    (P.RobustScaler(with_scaling=False), skp.RobustScaler(with_scaling=False)),
]


@pytest.mark.parametrize("nan", [False, True])
@pytest.mark.parametrize("ours,theirs", SAME, ids=[repr(o) for o, _ in SAME])
def test_scalers_match_sklearn(ours, theirs, nan):
    X, X_new = _data(0, nan=nan), _data(1, n=15, nan=nan)
    X[:, 1] = 2.5  # a constant column: scale must fall back to 1
    _compare(ours, theirs, X, X_new)
    if nan:
        assert np.isnan(ours.transform(X_new)).sum() == np.isnan(X_new).sum()


def test_minmax_clip_matches_sklearn():
    X, X_new = _data(0), _data(1) * 3
    _compare(P.MinMaxScaler(clip=True), skp.MinMaxScaler(clip=True), X, X_new, inverse=False)
    assert P.MinMaxScaler(clip=True).fit(X).transform(X_new).max() <= 1


@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
def test_normalizer_matches_sklearn(norm):
    X = _data(2)
    X[3] = 0.0  # an all-zero row stays zero
    np.testing.assert_allclose(P.Normalizer(norm=norm).fit_transform(X),
                               skp.Normalizer(norm=norm).fit_transform(X), rtol=1e-12)


@pytest.mark.parametrize("threshold", [0.0, 1.5])
def test_binarizer_matches_sklearn(threshold):
    X = _data(3)
    np.testing.assert_array_equal(P.Binarizer(threshold=threshold).fit_transform(X),
                                  skp.Binarizer(threshold=threshold).fit_transform(X))


def _categorical(seed=0, n=30):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.choice(["red", "green", "blue"], n),
                            rng.choice(["a", "b"], n),
                            rng.choice(["x", "y", "z", "w"], n)]).astype(object)


@pytest.mark.parametrize("drop", [None, "first", "if_binary", ["green", "b", "z"]])
def test_onehot_matches_sklearn(drop):
    X = _categorical()
    ours = P.OneHotEncoder(drop=drop).fit(X)
    theirs = skp.OneHotEncoder(drop=drop, sparse_output=False).fit(X)
    np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))
    for a, b in zip(ours.categories_, theirs.categories_):
        np.testing.assert_array_equal(a, b)
    if drop is None:
        assert ours.drop_idx_ is None and theirs.drop_idx_ is None
    else:
        assert list(ours.drop_idx_) == list(theirs.drop_idx_)
    np.testing.assert_array_equal(ours.inverse_transform(ours.transform(X)), X)


def test_onehot_numeric_unknown_ignore_and_nan():
    rng = np.random.default_rng(1)
    X = rng.integers(0, 4, size=(25, 2)).astype(np.float64)
    X[3, 0] = np.nan
    X_new = np.array([[9.0, 1.0], [np.nan, 2.0], [1.0, 7.0]])
    ours = P.OneHotEncoder(handle_unknown="ignore").fit(X)
    theirs = skp.OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(X)
    np.testing.assert_array_equal(ours.transform(X_new), theirs.transform(X_new))
    np.testing.assert_array_equal(ours.categories_[0], theirs.categories_[0])
    back, sk_back = ours.inverse_transform(ours.transform(X_new)), \
        theirs.inverse_transform(theirs.transform(X_new))
    assert back[0, 0] is None and sk_back[0, 0] is None and back[2, 1] is None


def test_onehot_given_categories_and_unknown_error():
    X = _categorical()
    cats = [["blue", "green", "red", "violet"], ["a", "b"], ["w", "x", "y", "z"]]
    ours = P.OneHotEncoder(categories=cats).fit(X)
    theirs = skp.OneHotEncoder(categories=cats, sparse_output=False).fit(X)
    np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))
    with pytest.raises(ValueError, match=r"unknown categories \['black'\] in column 0"):
        ours.transform(np.array([["black", "a", "x"]], dtype=object))
    with pytest.raises(ValueError, match="sparse_output"):
        P.OneHotEncoder(sparse_output=True).fit(X)


def test_ordinal_encoder_matches_sklearn():
    X, X_new = _categorical(), np.array([["blue", "c", "x"]], dtype=object)
    kw = dict(handle_unknown="use_encoded_value", unknown_value=-1)
    ours, theirs = P.OrdinalEncoder(**kw).fit(X), skp.OrdinalEncoder(**kw).fit(X)
    np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))
    np.testing.assert_array_equal(ours.transform(X_new), theirs.transform(X_new))
    np.testing.assert_array_equal(ours.inverse_transform(ours.transform(X)), X)
    assert ours.inverse_transform(ours.transform(X_new))[0, 1] is None
    # NaN is missing, encoded as encoded_missing_value (NaN by default)
    Xn = np.array([[1.0], [np.nan], [3.0], [1.0]])
    np.testing.assert_array_equal(P.OrdinalEncoder().fit_transform(Xn),
                                  skp.OrdinalEncoder().fit_transform(Xn))
    with pytest.raises(ValueError, match="unknown categories"):
        P.OrdinalEncoder().fit(X).transform(X_new)


def test_label_encoder_matches_sklearn():
    y = np.array(["dog", "cat", "bird", "cat", "dog"])
    ours, theirs = P.LabelEncoder().fit(y), skp.LabelEncoder().fit(y)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_array_equal(ours.transform(y), theirs.transform(y))
    np.testing.assert_array_equal(ours.inverse_transform([2, 0]), theirs.inverse_transform([2, 0]))
    np.testing.assert_array_equal(P.LabelEncoder().fit_transform([3, 1, 3, 7]),
                                  skp.LabelEncoder().fit_transform([3, 1, 3, 7]))
    with pytest.raises(ValueError, match="previously unseen labels: \\['fish'\\]"):
        ours.transform(["fish"])
    yt = deepgrad.tensor([5, 3, 5])
    codes = P.LabelEncoder().fit(yt).transform(yt)
    assert isinstance(codes, deepgrad.Tensor) and codes.tolist() == [1, 0, 1]


@pytest.mark.filterwarnings("ignore:Skipping features")  # scikit-learn repeats it at transform
@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent", "constant"])
@pytest.mark.parametrize("keep_empty", [False, True])
def test_simple_imputer_matches_sklearn(strategy, keep_empty):
    X, X_new = _data(4, nan=True), _data(5, n=10, nan=True)
    X[:, 2] = np.nan  # an all-missing column: dropped unless keep_empty_features
    kw = dict(strategy=strategy, keep_empty_features=keep_empty)
    if strategy == "constant":
        kw["fill_value"] = -7.5
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = P.SimpleImputer(**kw).fit(X)
    assert any("Skipping features" in str(w.message) for w in caught) == (not keep_empty)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ski.SimpleImputer(**kw).fit(X)
    np.testing.assert_allclose(ours.transform(X_new), theirs.transform(X_new), rtol=1e-12)
    np.testing.assert_allclose(ours.statistics_.astype(float), theirs.statistics_.astype(float),
                               rtol=1e-12)


def test_simple_imputer_other_placeholders():
    X = np.array([[1, -1], [3, 4], [-1, 4], [5, 6]], dtype=np.float64)
    for strategy in ("mean", "most_frequent"):
        a = P.SimpleImputer(missing_values=-1, strategy=strategy).fit_transform(X)
        b = ski.SimpleImputer(missing_values=-1, strategy=strategy).fit_transform(X)
        np.testing.assert_allclose(a, b)
    S = np.array([["a", "x"], [None, "y"], ["a", None], ["b", "y"]], dtype=object)
    for strategy in ("most_frequent", "constant"):
        a = P.SimpleImputer(missing_values=None, strategy=strategy).fit_transform(S)
        b = ski.SimpleImputer(missing_values=None, strategy=strategy).fit_transform(S)
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("degree", [1, 2, 3, (2, 3), (0, 2)])
@pytest.mark.parametrize("interaction_only", [False, True])
@pytest.mark.parametrize("include_bias", [False, True])
def test_polynomial_features_match_sklearn(degree, interaction_only, include_bias):
    X = _data(6, n=10, p=3)
    kw = dict(degree=degree, interaction_only=interaction_only, include_bias=include_bias)
    ours, theirs = P.PolynomialFeatures(**kw).fit(X), skp.PolynomialFeatures(**kw).fit(X)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), rtol=1e-12)
    np.testing.assert_array_equal(ours.powers_, theirs.powers_)
    assert ours.n_output_features_ == theirs.n_output_features_
    names = ours.get_feature_names_out()
    np.testing.assert_array_equal(names, theirs.get_feature_names_out())


def test_function_transformer_matches_sklearn():
    X = np.abs(_data(7))
    ours = P.FunctionTransformer(np.log1p, inverse_func=np.expm1, validate=True)
    theirs = skp.FunctionTransformer(np.log1p, inverse_func=np.expm1, validate=True)
    np.testing.assert_allclose(ours.fit_transform(X), theirs.fit_transform(X))
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X)), X)
    with pytest.warns(UserWarning, match="not strictly inverse"):
        P.FunctionTransformer(np.log1p, inverse_func=np.exp).fit(X)
    kw = P.FunctionTransformer(lambda X, factor: X * factor, kw_args={"factor": 3.0})
    np.testing.assert_allclose(kw.fit_transform(X), 3 * X)


@pytest.mark.parametrize("n_components", [None, 2, 0.9, 0.5])
@pytest.mark.parametrize("whiten", [False, True])
def test_pca_matches_sklearn(n_components, whiten):
    X, X_new = _data(8, n=30, p=5), _data(9, n=7, p=5)
    ours = P.PCA(n_components=n_components, whiten=whiten)
    theirs = skd.PCA(n_components=n_components, whiten=whiten, svd_solver="full")
    attrs = ["components_", "explained_variance_", "explained_variance_ratio_",
             "singular_values_", "mean_", "noise_variance_"]
    _compare(ours, theirs, X, X_new, attrs=attrs, inverse=False, rtol=1e-8)
    assert ours.n_components_ == theirs.n_components_
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X_new)),
                               theirs.inverse_transform(theirs.transform(X_new)), rtol=1e-8,
                               atol=1e-9)
    if ours.n_components_ == 5:  # all components: exact round trip
        np.testing.assert_allclose(ours.inverse_transform(ours.transform(X_new)), X_new,
                                   atol=1e-9)


def test_pipeline_matches_sklearn_and_params():
    X = _data(10, n=30, p=5)
    ours = P.Pipeline([("scale", P.StandardScaler()), ("poly", "passthrough"),
                       ("pca", P.PCA(n_components=3))])
    theirs = skpipe.Pipeline([("scale", skp.StandardScaler()), ("poly", "passthrough"),
                              ("pca", skd.PCA(n_components=3, svd_solver="full"))])
    np.testing.assert_allclose(ours.fit_transform(X), theirs.fit_transform(X), rtol=1e-9)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), rtol=1e-9)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X)),
                               theirs.inverse_transform(theirs.transform(X)), rtol=1e-9)
    params = ours.get_params()
    assert params["pca__n_components"] == 3 and params["scale__with_mean"] is True
    expected = {"steps", "memory", "verbose", "scale", "poly", "pca"}
    for name in ("scale", "pca"):
        expected |= {f"{name}__{k}" for k in ours.named_steps[name].get_params()}
    assert set(params) == expected
    ours.set_params(pca__n_components=2, scale=P.MinMaxScaler())
    assert ours.named_steps.pca.n_components == 2 and ours[0].__class__ is P.MinMaxScaler
    assert ours.fit_transform(X).shape == (30, 2) and len(ours) == 3
    assert ours["pca"] is ours.named_steps["pca"] and len(ours[:2]) == 2
    with pytest.raises(ValueError, match="Invalid parameter 'bogus'"):
        ours.set_params(bogus=1)


# --- the classic normalisations (closed-form formulas) ----------------------------------

def test_classic_normalisations_formulas():
    X = np.abs(_data(11)) + 0.5
    Xn = _data(12, n=6)
    mn = P.MeanNormalizer().fit(X)
    np.testing.assert_allclose(mn.transform(Xn),
                               (Xn - X.mean(0)) / (X.max(0) - X.min(0)), rtol=1e-12)
    np.testing.assert_allclose(mn.inverse_transform(mn.transform(Xn)), Xn, rtol=1e-12)
    ls = P.LogScaler().fit(X)
    np.testing.assert_allclose(ls.transform(X), np.log10(X) / np.log10(X.max(0)), rtol=1e-12)
    np.testing.assert_allclose(ls.transform(X).max(0), 1.0)
    np.testing.assert_allclose(ls.inverse_transform(ls.transform(X)), X, rtol=1e-10)
    at = P.ArctanScaler()
    np.testing.assert_allclose(at.transform(Xn), 2 / np.pi * np.arctan(Xn), rtol=1e-12)
    np.testing.assert_allclose(at.inverse_transform(at.transform(Xn)), Xn, rtol=1e-9)
    D = np.array([[-250.0, 0.05, 1000.0, 0.0], [999.0, -0.01, 3.0, 0.0]])
    ds = P.DecimalScaler().fit(D)
    assert ds.exponent_.tolist() == [3, -1, 4, 0]
    np.testing.assert_allclose(ds.transform(D), D / 10.0 ** np.array([3, -1, 4, 0]))
    assert np.abs(ds.transform(D)).max() < 1
    np.testing.assert_allclose(ds.inverse_transform(ds.transform(D)), D)


def test_logscaler_rejects_nonpositive_naming_column():
    X = np.array([[1.0, 2.0], [3.0, 0.0]])
    with pytest.raises(ValueError, match="column 1"):
        P.LogScaler().fit(X)
    P.LogScaler(offset=1.0).fit(X)  # the log1p variant accepts zeros


# --- tensors in, tensors out --------------------------------------------------------------

TENSOR_CASES = [P.StandardScaler(), P.MinMaxScaler(), P.MaxAbsScaler(), P.RobustScaler(),
                P.Normalizer(), P.Binarizer(), P.PolynomialFeatures(), P.PCA(n_components=2),
                P.SimpleImputer(), P.MeanNormalizer(), P.ArctanScaler(), P.DecimalScaler(),
                P.FunctionTransformer(np.tanh),
                P.Pipeline([("s", P.StandardScaler()), ("p", P.PCA(2))])]


@pytest.mark.parametrize("est", TENSOR_CASES, ids=[repr(e) for e in TENSOR_CASES])
@pytest.mark.parametrize("dtype", [deepgrad.float32, deepgrad.float64])
def test_tensor_in_tensor_out(est, dtype):
    X = _data(13, n=20, p=4)
    t = deepgrad.tensor(X, dtype=dtype, requires_grad=True)
    out = est.fit_transform(t)
    assert isinstance(out, deepgrad.Tensor) and out.dtype == dtype
    ref = est.fit(X).transform(X)
    rtol = 1e-4 if dtype == deepgrad.float32 else 1e-10
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=rtol, atol=rtol)
    if hasattr(est, "inverse_transform") and not isinstance(est, (P.FunctionTransformer,
                                                                   P.Binarizer)):
        back = est.fit(t).inverse_transform(out)
        assert isinstance(back, deepgrad.Tensor) and back.dtype == dtype


def test_tensor_encoder():
    t = deepgrad.tensor([[0.0], [2.0], [1.0], [2.0]])
    out = P.OneHotEncoder().fit_transform(t)
    assert isinstance(out, deepgrad.Tensor) and out.dtype == deepgrad.float32
    np.testing.assert_array_equal(out.numpy(), np.eye(3)[[0, 2, 1, 2]])


def test_integer_tensor_gives_float_tensor():
    t = deepgrad.tensor([[1, 10], [2, 20], [3, 60]])
    out = P.StandardScaler().fit_transform(t)
    assert out.dtype == deepgrad.get_default_dtype()
    np.testing.assert_allclose(out.numpy(), skp.StandardScaler().fit_transform(t.numpy()),
                               rtol=1e-6)
    codes = P.OrdinalEncoder().fit_transform(t)
    assert codes.dtype == deepgrad.get_default_dtype()
    back = P.LabelEncoder().fit(t[:, 0]).inverse_transform(deepgrad.tensor([2, 0]))
    assert back.dtype == deepgrad.int64 and back.tolist() == [3, 1]


def test_copy_false_scales_in_place_like_sklearn():
    X = _data(20)
    ours, theirs = X.copy(), X.copy()
    P.StandardScaler(copy=False).fit(ours).transform(ours)
    skp.StandardScaler(copy=False).fit(theirs).transform(theirs)
    np.testing.assert_allclose(ours, theirs)
    t = deepgrad.tensor(X)
    P.StandardScaler(copy=False).fit(t).transform(t)
    np.testing.assert_array_equal(t.numpy(), X)  # a tensor is never modified in place


def test_float32_preserved_for_numpy():
    X = _data(14).astype(np.float32)
    for est in (P.StandardScaler(), P.MinMaxScaler(), P.PCA(), P.PolynomialFeatures()):
        assert est.fit_transform(X).dtype == np.float32


# --- API details and bad input ------------------------------------------------------------

def test_get_set_params_repr_clone_pickle():
    s = P.MinMaxScaler(feature_range=(-1, 1))
    assert s.get_params() == {"feature_range": (-1, 1), "copy": True, "clip": False}
    assert repr(s) == "MinMaxScaler(feature_range=(-1, 1))" == repr(sk_clone(s))
    assert s.set_params(clip=True) is s and s.clip
    with pytest.raises(ValueError, match="Invalid parameter 'nope'"):
        s.set_params(nope=3)
    X = _data(15)
    s.fit(X)
    c = P.clone(s)
    assert c.get_params() == s.get_params() and not hasattr(c, "scale_")
    s2 = pickle.loads(pickle.dumps(s))
    np.testing.assert_array_equal(s2.transform(X), s.transform(X))


NEED_FIT = [P.StandardScaler(), P.MinMaxScaler(), P.MaxAbsScaler(), P.RobustScaler(),
            P.OneHotEncoder(), P.OrdinalEncoder(), P.SimpleImputer(), P.PolynomialFeatures(),
            P.PCA(), P.MeanNormalizer(), P.LogScaler(), P.DecimalScaler(),
            P.Pipeline([("s", P.StandardScaler())])]


@pytest.mark.parametrize("est", NEED_FIT, ids=[repr(e) for e in NEED_FIT])
def test_transform_before_fit_raises_not_fitted(est):
    with pytest.raises(P.NotFittedError, match="not fitted yet"):
        est.transform(np.ones((3, 2)))
    assert issubclass(P.NotFittedError, ValueError) and issubclass(P.NotFittedError,
                                                                   AttributeError)
    with pytest.raises(P.NotFittedError):
        P.check_is_fitted(est)


def test_label_encoder_not_fitted():
    with pytest.raises(P.NotFittedError):
        P.LabelEncoder().transform([1, 2])


@pytest.mark.parametrize("est", [P.StandardScaler(), P.MinMaxScaler(), P.PCA(),
                                 P.PolynomialFeatures(), P.OneHotEncoder(), P.MeanNormalizer(),
                                 P.Normalizer()])
def test_wrong_feature_count_names_expected_and_actual(est):
    est.fit(np.abs(_data(16, p=4)))
    msg = f"X has 3 features, but {type(est).__name__} is expecting 4 features as input."
    with pytest.raises(ValueError, match=msg):
        est.transform(np.ones((2, 3)))


@pytest.mark.parametrize("est", [P.PCA(), P.Normalizer(), P.PolynomialFeatures(),
                                 P.MeanNormalizer(), P.DecimalScaler(), P.ArctanScaler(),
                                 P.Binarizer(), P.SimpleImputer(missing_values=-1)])
@pytest.mark.parametrize("bad,word", [(np.nan, "NaN"), (np.inf, "infinity"),
                                      (-np.inf, "infinity")])
def test_nan_inf_names_the_column(est, bad, word):
    X = _data(17, p=4)
    X[5, 2] = bad
    with pytest.raises(ValueError, match=f"{word}.* in column 2"):
        est.fit(X)


@pytest.mark.parametrize("est", [P.StandardScaler(), P.RobustScaler(), P.SimpleImputer()])
def test_nan_allowed_but_inf_names_the_column(est):
    X = _data(18, p=4)
    X[1, 0] = np.nan
    est.fit(X)  # NaN is missing data for these
    X[2, 3] = np.inf
    with pytest.raises(ValueError, match="infinity .* in column 3"):
        est.fit(X)
    Xt = np.ones((2, 4))
    Xt[0, 1] = np.inf
    with pytest.raises(ValueError, match="in column 1"):
        est.transform(Xt)


def test_bad_hyperparameters():
    X = _data(19)
    with pytest.raises(ValueError, match="feature range"):
        P.MinMaxScaler(feature_range=(1, 0)).fit(X)
    with pytest.raises(ValueError, match="quantile range"):
        P.RobustScaler(quantile_range=(80.0, 20.0)).fit(X)
    with pytest.raises(ValueError, match="norm"):
        P.Normalizer(norm="l3").fit(X)
    with pytest.raises(ValueError, match="n_components=9"):
        P.PCA(n_components=9).fit(X)
    with pytest.raises(ValueError, match="strategies"):
        P.SimpleImputer(strategy="mode").fit(X)
    with pytest.raises(ValueError, match="Expected 2D array"):
        P.StandardScaler().fit(np.ones(5))


# --- scikit-learn's machinery on deepgrad's estimators, as users call it -----------------

SK_TWINS = [  # deepgrad estimator, scikit-learn's, tags that legitimately differ
    (P.StandardScaler(), skp.StandardScaler()), (P.MinMaxScaler(), skp.MinMaxScaler()),
    (P.MaxAbsScaler(), skp.MaxAbsScaler()), (P.RobustScaler(), skp.RobustScaler()),
    (P.Normalizer(), skp.Normalizer()), (P.Binarizer(), skp.Binarizer()),
    (P.OneHotEncoder(), skp.OneHotEncoder()), (P.OrdinalEncoder(), skp.OrdinalEncoder()),
    (P.SimpleImputer(), ski.SimpleImputer()),
    (P.SimpleImputer(missing_values=-1), ski.SimpleImputer(missing_values=-1)),
    (P.PolynomialFeatures(), skp.PolynomialFeatures()), (P.PCA(), skd.PCA()),
    (P.FunctionTransformer(), skp.FunctionTransformer()),
    (P.FunctionTransformer(validate=True), skp.FunctionTransformer(validate=True)),
]
# deepgrad has no sparse input and no array-API dispatch, and keeps float32 where
# scikit-learn's tag only promises float64 (check_transformer_preserve_dtypes checks ours)
TAGS_THAT_DIFFER = {"input_tags.sparse", "array_api_support", "transformer_tags.preserves_dtype"}


def _flat_tags(est):
    import dataclasses

    from sklearn.utils import get_tags

    def flat(obj, prefix=""):
        out = {}
        for f in dataclasses.fields(obj):
            v = getattr(obj, f.name)
            out.update(flat(v, f"{prefix}{f.name}.") if dataclasses.is_dataclass(v)
                       else {prefix + f.name: v})
        return out
    return flat(get_tags(est))


@pytest.mark.parametrize("ours,theirs", SK_TWINS, ids=[repr(o) for o, _ in SK_TWINS])
def test_sklearn_tags_agree_with_sklearns_twin(ours, theirs):
    a, b = _flat_tags(ours), _flat_tags(theirs)
    assert set(a) == set(b)
    differ = {k for k in a if a[k] != b[k]}
    assert differ <= TAGS_THAT_DIFFER, {k: (a[k], b[k]) for k in differ - TAGS_THAT_DIFFER}


@pytest.mark.parametrize("est", [e for e, _ in CHECKED], ids=[repr(e) for e, _ in CHECKED])
def test_sklearn_clone(est):
    fitted = sk_clone(est)
    fitted.fit(["a", "b", "a"] if isinstance(est, P.LabelEncoder) else np.abs(_data(21)))
    c = sk_clone(fitted)
    assert type(c) is type(est) and repr(c) == repr(est)
    assert not [k for k in vars(c) if k.endswith("_") and not k.startswith("_")]  # unfitted
    for name, value in est.get_params(deep=False).items():
        if hasattr(value, "get_params"):
            assert getattr(c, name) is not value  # nested estimators are cloned too


def test_sklearn_pipeline_with_deepgrad_steps_matches_all_sklearn():
    from sklearn.linear_model import LogisticRegression
    X, y = _data(22, n=60), (np.arange(60) % 3)
    X[:, 0] += y * 2  # something to learn
    ours = skpipe.make_pipeline(P.StandardScaler(), P.PCA(n_components=3),
                                LogisticRegression())
    theirs = skpipe.make_pipeline(skp.StandardScaler(), skd.PCA(n_components=3,
                                                                svd_solver="full"),
                                  LogisticRegression())
    np.testing.assert_allclose(ours.fit(X, y).predict_proba(X),
                               theirs.fit(X, y).predict_proba(X), rtol=1e-6, atol=1e-9)
    assert ours.score(X, y) == theirs.score(X, y)


def test_deepgrad_pipeline_ending_in_sklearn_model():
    from sklearn.base import is_classifier, is_regressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.model_selection import cross_val_score
    X, y = _data(23, n=60), (np.arange(60) % 2)
    X[:, 1] += y * 3
    ours = P.Pipeline([("scale", P.StandardScaler()), ("clf", LogisticRegression())])
    theirs = skpipe.Pipeline([("scale", skp.StandardScaler()), ("clf", LogisticRegression())])
    assert is_classifier(ours) and is_regressor(P.Pipeline([("r", Ridge())]))
    assert not hasattr(P.Pipeline([("r", Ridge())]), "predict_proba")
    ours.fit(X, y), theirs.fit(X, y)
    for method in ("predict", "predict_proba", "decision_function"):
        np.testing.assert_allclose(getattr(ours, method)(X), getattr(theirs, method)(X),
                                   rtol=1e-9)
    assert ours.score(X, y) == theirs.score(X, y)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    # a classifier pipeline gets stratified folds, as scikit-learn's own does
    np.testing.assert_allclose(cross_val_score(ours, X, y, cv=4),
                               cross_val_score(theirs, X, y, cv=4), rtol=1e-12)


def test_gridsearch_over_a_deepgrad_parameter_matches_sklearn():
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV
    rng = np.random.default_rng(24)
    X = _data(24, n=50, p=5)
    y = X @ rng.normal(size=5) + rng.normal(size=50)
    grid = {"pca__n_components": [1, 2, 4], "pca__whiten": [False, True]}
    ours = GridSearchCV(P.Pipeline([("scale", P.StandardScaler()), ("pca", P.PCA()),
                                    ("ridge", Ridge())]), grid, cv=5).fit(X, y)
    theirs = GridSearchCV(skpipe.Pipeline([("scale", skp.StandardScaler()),
                                           ("pca", skd.PCA(svd_solver="full")),
                                           ("ridge", Ridge())]), grid, cv=5).fit(X, y)
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"],
                               theirs.cv_results_["mean_test_score"], rtol=1e-8)
    assert isinstance(ours.best_estimator_["pca"], P.PCA)
    again = pickle.loads(pickle.dumps(ours))
    np.testing.assert_array_equal(again.predict(X), ours.predict(X))


PICKLED = [e for e, _ in CHECKED if not isinstance(e, (P.LabelEncoder, P.FunctionTransformer))]


@pytest.mark.parametrize("est", PICKLED, ids=[repr(e) for e in PICKLED])
def test_pickle_round_trip(est):
    X = np.abs(_data(25))
    fitted = sk_clone(est).fit(X)
    again = pickle.loads(pickle.dumps(fitted))
    assert repr(again) == repr(fitted)
    np.testing.assert_array_equal(np.asarray(again.transform(X)),
                                  np.asarray(fitted.transform(X)))


def test_import_deepgrad_without_sklearn():
    import subprocess
    import sys
    code = ("import sys; sys.modules['sklearn'] = None\n"
            "import numpy as np, deepgrad, deepgrad.preprocessing as P, "
            "deepgrad.model_selection as M\n"
            "Z = P.Pipeline([('s', P.StandardScaler()), ('p', P.PCA(1))])"
            ".fit_transform(np.arange(12.0).reshape(6, 2) ** 2)\n"
            "assert Z.shape == (6, 1) and len(list(M.KFold(3).split(Z))) == 3\n"
            "try:\n    P.StandardScaler().__sklearn_tags__()\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "pip install deepgrad[sklearn]" in out.stdout


# --- column names (feature_names_in_) and get_feature_names_out --------------------------

class _Frame:
    """The least a data frame offers: named columns and the array protocol."""

    def __init__(self, values, columns):
        self.values, self.columns = np.asarray(values), list(columns)

    def __array__(self, dtype=None, copy=None):
        return self.values if dtype is None else self.values.astype(dtype)


def test_feature_names_in_recorded_and_checked():
    X = _data(26, p=3)
    s = P.StandardScaler().fit(_Frame(X, ["a", "b", "c"]))
    np.testing.assert_array_equal(s.feature_names_in_, np.array(["a", "b", "c"], object))
    assert s.feature_names_in_.dtype == object
    np.testing.assert_array_equal(s.get_feature_names_out(), ["a", "b", "c"])
    s.transform(_Frame(X, ["a", "b", "c"]))  # same names: fine
    msg = "The feature names should match those that were passed during fit."
    with pytest.raises(ValueError, match=msg + "\nFeature names must be in the same order"):
        s.transform(_Frame(X, ["c", "b", "a"]))
    with pytest.raises(ValueError, match="unseen at fit time:\n- z\n.*now missing:\n- c\n"):
        s.transform(_Frame(X, ["a", "b", "z"]))
    with pytest.warns(UserWarning, match="X does not have valid feature names, but "
                                         "StandardScaler was fitted with feature names"):
        s.transform(X)
    s.fit(X)  # refitting on an array forgets the names
    assert not hasattr(s, "feature_names_in_")
    with pytest.warns(UserWarning, match="X has feature names, but StandardScaler was "
                                         "fitted without feature names"):
        s.transform(_Frame(X, ["a", "b", "c"]))
    with pytest.raises(TypeError, match=r"only supported if all input features have string "
                                        r"names, but your input has \['int', 'str'\]"):
        P.MinMaxScaler().fit(_Frame(X, ["a", 1, "c"]))
    assert not hasattr(P.MinMaxScaler().fit(_Frame(X, [0, 1, 2])), "feature_names_in_")


NAMES_OUT = [(P.StandardScaler(), skp.StandardScaler()), (P.Binarizer(), skp.Binarizer()),
             (P.OneHotEncoder(drop="first"), skp.OneHotEncoder(drop="first")),
             (P.OrdinalEncoder(), skp.OrdinalEncoder()), (P.PCA(2), skd.PCA(2)),
             (P.PolynomialFeatures(2), skp.PolynomialFeatures(2)),
             (P.Pipeline([("s", P.StandardScaler()), ("p", P.PolynomialFeatures())]),
              skpipe.make_pipeline(skp.StandardScaler(), skp.PolynomialFeatures()))]


@pytest.mark.parametrize("ours,theirs", NAMES_OUT, ids=[repr(o) for o, _ in NAMES_OUT])
@pytest.mark.parametrize("names", [None, ["u", "v", "w"]])
def test_get_feature_names_out_matches_sklearn(ours, theirs, names):
    X = np.round(np.abs(_data(27, p=3)))
    ours.fit(X), theirs.fit(X)
    got, want = ours.get_feature_names_out(names), theirs.get_feature_names_out(names)
    assert got.dtype == object
    np.testing.assert_array_equal(got, want)
    if not isinstance(ours, P.Pipeline):
        with pytest.raises(ValueError, match="input_features should have length equal"):
            ours.get_feature_names_out(["u"])


SK_FRAME_CHECKS = ["check_dataframe_column_names_consistency",
                   "check_transformer_get_feature_names_out",
                   "check_transformer_get_feature_names_out_pandas"]
FRAMED = [P.StandardScaler(), P.MinMaxScaler(), P.RobustScaler(), P.Normalizer(),
          P.OneHotEncoder(handle_unknown="ignore"), P.OrdinalEncoder(), P.SimpleImputer(),
          P.PolynomialFeatures(), P.PCA(), P.MeanNormalizer(), P.DecimalScaler(),
          P.Pipeline([("s", P.StandardScaler()), ("p", P.PCA())])]


@pytest.mark.parametrize("check", SK_FRAME_CHECKS)
@pytest.mark.parametrize("est", FRAMED, ids=[repr(e) for e in FRAMED])
def test_sklearn_dataframe_checks(est, check):
    """scikit-learn's column-name checks (check_estimator leaves them out; they need pandas)."""
    pytest.importorskip("pandas")
    from sklearn.utils import estimator_checks
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        getattr(estimator_checks, check)(type(est).__name__, est)
