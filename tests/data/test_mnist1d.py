"""MNIST-1D: the published generator's shapes, sizes, class balance, statistics, determinism.

The oracle is an independent transcription of the published generation procedure
(greydanus/mnist1d, ``make_dataset``/``transform``) written here with the tools it uses:
SciPy's ``gaussian_filter`` and ``interp1d`` and NumPy's legacy ``RandomState``.
"""
import os

import numpy as np
import pytest
from scipy.interpolate import interp1d
from scipy.ndimage import gaussian_filter, gaussian_filter1d

import deepgrad
from deepgrad.datasets import MNIST1D, load_mnist1d, make_mnist1d
from deepgrad.datasets.mnist1d import DEFAULTS, gaussian_smooth, resample, templates
from deepgrad.utils.data import DataLoader


@pytest.fixture(scope="module")
def data():
    return make_mnist1d()


def _reference(num_samples, seed=42):
    """The published procedure, step by step, on SciPy primitives."""
    raw = np.array([[5, 6, 6.5, 6.75, 7, 7, 7, 7, 6.75, 6.5, 6, 5],
                    [5, 3, 3, 3.4, 3.8, 4.2, 4.6, 5, 5.4, 5.8, 5, 5],
                    [5, 6, 6.5, 6.5, 6, 5.25, 4.75, 4, 3.5, 3.5, 4, 5],
                    [5, 6, 6.5, 6.5, 6, 5, 5, 6, 6.5, 6.5, 6, 5],
                    [5, 4.4, 3.8, 3.2, 2.6, 2.6, 5, 5, 5, 5, 5, 5],
                    [5, 3, 3, 3, 3, 5, 6, 6.5, 6.5, 6, 4.5, 5],
                    [5, 4, 3.5, 3.25, 3, 3, 3, 3, 3.25, 3.5, 4, 5],
                    [5, 7, 7, 6.6, 6.2, 5.8, 5.4, 5, 4.6, 4.2, 5, 5],
                    [5, 4, 3.5, 3.5, 4, 5, 5, 4, 3.5, 3.5, 4, 5],
                    [5, 4, 3.5, 3.5, 4, 5, 5, 5, 5, 4.7, 4.3, 5]])
    tpl = (raw - raw.mean(1, keepdims=True)) / (raw - raw.mean(1, keepdims=True)).std(1, keepdims=True)
    tpl = (tpl - tpl[:, :1]) / 6.0
    rs = np.random.RandomState(seed)

    def interp(x, n):
        return interp1d(np.linspace(0, 1, len(x)), x, kind="linear")(np.linspace(0, 1, n))

    xs, ys = [], []
    for label in range(10):
        for _ in range(num_samples // 10):
            p = 36 + int(rs.rand() * (60 - 36 + 1))
            x = interp(np.concatenate([tpl[label] + 1e-8, np.zeros(p)]), 72)
            x *= 1 + 0.4 * (rs.rand() - 0.5)
            k = rs.choice(48)
            x = np.concatenate([x[-k:], x[:-k]])
            mask = x != 0
            x = mask * x + (1 - mask) * gaussian_filter(0.25 * rs.randn(72), 2)
            x = x + 0.02 * rs.randn(72)
            x = x - 0.75 * (rs.rand() - 0.5) * np.linspace(-0.5, 0.5, 72)
            xs.append(interp(x, 40))
            ys.append(label)
    perm = rs.permutation(len(ys))
    xs, ys = np.stack(xs)[perm], np.array(ys)[perm]
    xs = (xs - xs.mean()) / xs.std()
    split = int(len(ys) * 0.8)
    return xs[:split], ys[:split], xs[split:], ys[split:]


def test_matches_the_published_procedure_exactly():
    ref = _reference(300)
    ours = make_mnist1d(num_samples=300)
    for a, b in zip((ours["x"], ours["y"], ours["x_test"], ours["y_test"]), ref):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


def test_building_blocks_match_scipy():
    x = np.random.default_rng(0).normal(size=72)
    np.testing.assert_allclose(gaussian_smooth(x), gaussian_filter1d(x, 2.0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gaussian_smooth(x, 1.3), gaussian_filter(x, 1.3), rtol=1e-12,
                               atol=1e-12)
    for n in (40, 72, 100):
        expected = interp1d(np.linspace(0, 1, 72), x)(np.linspace(0, 1, n))
        np.testing.assert_allclose(resample(x, n), expected, rtol=1e-12, atol=1e-12)


def test_templates():
    t = templates()
    assert t["x"].shape == (10, 12) and t["t"].shape == (12,)
    np.testing.assert_array_equal(t["x"][:, 0], 0)        # every digit starts at 0 ...
    np.testing.assert_allclose(t["x"][:, -1], 0, atol=1e-15)   # ... and ends at 0
    np.testing.assert_allclose(t["x"].std(1), 1 / 6, rtol=1e-12)
    assert len({tuple(np.round(r, 6)) for r in t["x"]}) == 10   # ten distinct digits


def test_published_shapes_sizes_and_class_balance(data):
    assert data["x"].shape == (4000, 40) and data["x_test"].shape == (1000, 40)
    assert data["y"].shape == (4000,) and data["y_test"].shape == (1000,)
    assert data["x"].dtype == np.float64 and data["y"].dtype == np.int64
    assert data["t"].shape == (40,)
    total = np.bincount(np.concatenate([data["y"], data["y_test"]]), minlength=10)
    np.testing.assert_array_equal(total, 500)            # 500 examples of every digit
    train = np.bincount(data["y"], minlength=10)
    # a random 80 % of each class: hypergeometric, sd ~ 9; allow 5 sd
    assert np.all(np.abs(train - 400) < 45), train


def test_value_statistics(data):
    allx = np.concatenate([data["x"], data["x_test"]])
    # standardised with the global statistics of all 5000 examples
    assert abs(allx.mean()) < 1e-12 and abs(allx.std() - 1) < 1e-12
    for x in (data["x"], data["x_test"]):        # a random split keeps them close
        assert abs(x.mean()) < 0.05 and abs(x.std() - 1) < 0.05
    # at each position, the digit or noise: every position varies across examples
    assert allx.std(0).min() > 0.3
    # the correlated noise is smooth: neighbouring samples are positively correlated
    lag1 = np.mean([np.corrcoef(r[:-1], r[1:])[0, 1] for r in allx[:500]])
    assert lag1 > 0.5
    # class-conditional means differ (the templates), though each example is noisy
    means = np.stack([allx[np.concatenate([data["y"], data["y_test"]]) == c].mean(0)
                      for c in range(10)])
    assert np.min([np.abs(means[i] - means[j]).max() for i in range(10) for j in range(i)]) > 0.1


def test_deterministic_with_the_same_seed():
    a, b = make_mnist1d(num_samples=200, seed=3), make_mnist1d(num_samples=200, seed=3)
    np.testing.assert_array_equal(a["x"], b["x"])
    c = make_mnist1d(num_samples=200, seed=4)
    assert not np.array_equal(a["x"], c["x"])


def test_arguments_are_checked():
    with pytest.raises(TypeError, match="unknown MNIST-1D argument"):
        make_mnist1d(num_sample=10)
    with pytest.raises(ValueError, match="train_split"):
        make_mnist1d(train_split=1.5)
    assert DEFAULTS["final_seq_length"] == 40 and DEFAULTS["num_samples"] == 5000
    shuffled = make_mnist1d(num_samples=100, shuffle_seq=True)
    assert shuffled["x"].shape == (80, 40)


def test_cache_on_disk(tmp_path):
    d1 = load_mnist1d(root=tmp_path, num_samples=100)
    files = os.listdir(tmp_path / "mnist1d")
    assert len(files) == 1 and files[0].endswith(".npz")       # no temporary file left
    d2 = load_mnist1d(root=tmp_path, num_samples=100)
    np.testing.assert_array_equal(d1["x"], d2["x"])
    np.testing.assert_array_equal(d1["y_test"], d2["y_test"])
    load_mnist1d(root=tmp_path, num_samples=100, seed=1)           # other arguments, other file
    assert len(os.listdir(tmp_path / "mnist1d")) == 2
    path = tmp_path / "mnist1d" / files[0]
    path.write_bytes(b"damaged")                                  # a broken cache is rebuilt
    d3 = load_mnist1d(root=tmp_path, num_samples=100)
    np.testing.assert_array_equal(d1["x"], d3["x"])


def test_default_cache_folder_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv("DEEPGRAD_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert deepgrad.datasets.cache_dir() == str(tmp_path / "deepgrad")
    load_mnist1d(num_samples=50)
    assert len(os.listdir(tmp_path / "deepgrad" / "mnist1d")) == 1
    monkeypatch.setenv("DEEPGRAD_CACHE", str(tmp_path / "elsewhere"))
    assert deepgrad.datasets.cache_dir() == str(tmp_path / "elsewhere")


def test_dataset_class(tmp_path):
    train = MNIST1D(root=tmp_path, train=True, num_samples=100)
    test = MNIST1D(root=tmp_path, train=False, num_samples=100,
                   transform=lambda x: x * 2.0, target_transform=lambda y: y + 10)
    assert len(train) == 80 and len(test) == 20
    x, y = train[0]
    assert isinstance(x, deepgrad.Tensor) and x.shape == (40,) and x.dtype == deepgrad.float32
    assert isinstance(y, int) and 0 <= y < 10
    x2, y2 = test[3]
    np.testing.assert_allclose(x2.numpy(), 2 * test.data[3])
    assert y2 == test.targets[3] + 10
    xb, yb = next(iter(DataLoader(train.tensor_dataset(), batch_size=16)))
    assert xb.shape == (16, 40) and yb.dtype == deepgrad.int64
    xb2, _ = next(iter(DataLoader(train, batch_size=16)))
    np.testing.assert_array_equal(xb.numpy(), xb2.numpy())
