"""Synthetic sets (scikit-learn as the oracle), IDX and CIFAR parsers on small files written
here, downloads from local file:// mirrors (never the network), checksums and error messages."""
import gzip
import hashlib
import io
import os
import pickle
import struct
import tarfile

import numpy as np
import pytest
from sklearn import datasets as skd

import deepgrad
from deepgrad.datasets import (CIFAR10, MNIST, FashionMNIST, make_blobs, make_circles,
                               make_moons, make_polynomial, make_sine, make_spirals, make_xor,
                               read_cifar_batch, read_idx)
from deepgrad.datasets import transforms as T
from deepgrad.datasets._files import atomic_write, download
from deepgrad.utils.data import DataLoader


# --- synthetic sets ----------------------------------------------------------------------------
@pytest.mark.parametrize("n", [100, 37])
@pytest.mark.parametrize("noise", [None, 0.1])
def test_moons_and_circles_equal_sklearn(n, noise):
    for ours, ref in ((make_moons, skd.make_moons), (make_circles, skd.make_circles)):
        X, y = ours(n, noise=noise, random_state=7)
        Xr, yr = ref(n, noise=noise, random_state=7)
        np.testing.assert_array_equal(X, Xr)
        np.testing.assert_array_equal(y, yr)
    X, y = make_circles(n, factor=0.3, shuffle=False, random_state=0)
    np.testing.assert_allclose(np.hypot(*X[y == 1].T), 0.3)
    with pytest.raises(ValueError, match="factor"):
        make_circles(factor=1.0)


@pytest.mark.parametrize("kw", [{}, {"centers": 4, "n_features": 3, "cluster_std": 0.5},
                                {"centers": [[0, 0], [5, 5]], "cluster_std": [1.0, 2.0]},
                                {"n_samples": 101, "shuffle": False}])
def test_blobs_equal_sklearn(kw):
    X, y, c = make_blobs(random_state=3, return_centers=True, **kw)
    Xr, yr, cr = skd.make_blobs(random_state=3, return_centers=True, **kw)
    np.testing.assert_array_equal(X, Xr)
    np.testing.assert_array_equal(y, yr)
    np.testing.assert_array_equal(c, cr)


def test_synthetic_generators_are_reproducible():
    for f in (make_moons, make_spirals, make_xor, make_sine, make_polynomial, make_blobs):
        a = f(generator=deepgrad.Generator().manual_seed(1))
        b = f(generator=deepgrad.Generator().manual_seed(1))
        np.testing.assert_array_equal(a[0], b[0])
        deepgrad.manual_seed(4)
        c = f()
        deepgrad.manual_seed(4)
        np.testing.assert_array_equal(c[0], f()[0])
    with pytest.raises(ValueError, match="not both"):
        make_xor(random_state=1, generator=deepgrad.Generator())
    with pytest.raises(ValueError, match="n_samples"):
        make_xor(0)


def test_spirals():
    X, y = make_spirals(301, n_classes=3, noise=0.0)
    assert X.shape == (301, 2) and np.bincount(y).tolist() == [101, 100, 100]
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.max() <= 1 + 1e-12
    # noiseless arm k: angle = 2 pi (k / 3 + r); check it through x = r sin, y = r cos
    theta = 2 * np.pi * (y / 3 + r)
    np.testing.assert_allclose(X, np.stack([r * np.sin(theta), r * np.cos(theta)], 1), atol=1e-12)


def test_xor_sine_polynomial():
    X, y = make_xor(500, random_state=0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    assert abs(y.mean() - 0.5) < 0.1
    X, y = make_sine(4000, noise=0.2, random_state=0)
    resid = y - np.sin(X[:, 0])
    assert X.shape == (4000, 1) and abs(resid.std() - 0.2) < 0.01
    coef = (0.5, -1.0, 2.0)
    X, y = make_polynomial(4000, coef, noise=0.05, random_state=0)
    np.testing.assert_allclose(np.polynomial.polynomial.polyfit(X[:, 0], y, 2), coef, atol=0.02)


# --- IDX ---------------------------------------------------------------------------------------
def idx_bytes(arr, code):
    dt = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    header = struct.pack(">BBBB", 0, 0, code, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + np.asarray(arr, dtype=dt).tobytes()


@pytest.mark.parametrize("code,dtype", [(0x08, np.uint8), (0x09, np.int8), (0x0B, np.int16),
                                        (0x0C, np.int32), (0x0D, np.float32), (0x0E, np.float64)])
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx(tmp_path, code, dtype, compress):
    arr = (np.arange(2 * 3 * 4) - (0 if code == 0x08 else 5)).reshape(2, 3, 4).astype(dtype)
    raw = idx_bytes(arr, code)
    path = tmp_path / ("a.idx.gz" if compress else "a.idx")
    path.write_bytes(gzip.compress(raw) if compress else raw)
    out = read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, arr)


def test_read_idx_errors(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x01")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(idx_bytes(np.zeros(5, np.uint8), 0x08)[:-2])
    with pytest.raises(ValueError, match=r"shape \(5,\) \(5 bytes of data\).*3 bytes"):
        read_idx(tmp_path / "short")


def write_fake_mnist(folder, n=6, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    for prefix in ("train", "t10k"):
        (folder / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images, 8)))
        (folder / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(labels, 8)))
    return images, labels


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()  # noqa: S324


@pytest.mark.parametrize("cls", [MNIST, FashionMNIST])
def test_mnist_style_datasets_parse_their_files(tmp_path, cls):
    images, labels = write_fake_mnist(tmp_path / cls.name)
    ds = cls(root=tmp_path, train=False, verify=False, transform=T.ToTensor())
    assert len(ds) == 6 and ds.data.shape == (6, 28, 28) and ds.targets.dtype == np.int64
    x, y = ds[2]
    assert x.shape == (1, 28, 28) and y == labels[2]
    np.testing.assert_allclose(x.numpy()[0], images[2] / 255.0, rtol=1e-6)
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert xb.shape == (4, 1, 28, 28) and yb.tolist() == labels[:4].tolist()


def test_missing_or_corrupt_files_name_what_to_put_where(tmp_path):
    write_fake_mnist(tmp_path / "MNIST")        # present but with the wrong checksums
    with pytest.raises(RuntimeError) as err:
        MNIST(root=tmp_path, train=True)
    msg = str(err.value)
    folder = str(tmp_path / "MNIST")
    assert os.path.join(folder, "train-images-idx3-ubyte.gz") in msg
    assert "f68b3c2dcbeaaa9fbdd348bbdeb94873" in msg
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/train-labels-idx1-ubyte.gz" in msg
    assert "download=True" in msg and "t10k" not in msg
    with pytest.raises(RuntimeError, match="FashionMNIST.*missing"):
        FashionMNIST(root=tmp_path / "empty")
    with pytest.raises(RuntimeError, match=r"cifar-10-python\.tar\.gz"):
        CIFAR10(root=tmp_path / "empty", train=False)


def test_download_from_a_mirror_with_checksums(tmp_path):
    src = tmp_path / "mirror"
    images, labels = write_fake_mnist(src)
    good = {f: md5(src / f) for f in os.listdir(src)}

    class Local(MNIST):
        name = "LocalMNIST"
        mirrors = ["file:///nonexistent-mirror/", src.as_uri() + "/"]   # the first one fails
        resources = {"train": [(f, good[f]) for f in ("train-images-idx3-ubyte.gz",
                                                      "train-labels-idx1-ubyte.gz")],
                     "test": []}

    ds = Local(root=tmp_path / "cache", download=True)
    np.testing.assert_array_equal(ds.data, images)
    assert sorted(os.listdir(tmp_path / "cache" / "LocalMNIST")) == \
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]    # no partial files
    Local(root=tmp_path / "cache")                     # now offline works, checksums pass

    target = tmp_path / "bad" / "x.gz"
    with pytest.raises(RuntimeError, match="MD5 mismatch"):
        download([(src / "train-images-idx3-ubyte.gz").as_uri()], str(target), md5="0" * 32)
    assert not target.exists()


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    path = tmp_path / "d" / "f.bin"

    def fail(f):
        f.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(str(path), fail)
    assert os.listdir(tmp_path / "d") == []
    atomic_write(str(path), lambda f: f.write(b"ok"))
    assert path.read_bytes() == b"ok"


# --- CIFAR-10 ----------------------------------------------------------------------------------
def cifar_batch(n, seed):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).tolist()
    # the original files are Python 2 pickles with bytes keys
    return data, labels, pickle.dumps({b"batch_label": b"x", b"labels": labels, b"data": data},
                                      protocol=2)


def test_read_cifar_batch_layout(tmp_path):
    data, labels, blob = cifar_batch(4, 0)
    (tmp_path / "b").write_bytes(blob)
    images, targets = read_cifar_batch(tmp_path / "b")
    assert images.shape == (4, 32, 32, 3) and images.dtype == np.uint8
    # pixel (row r, col c) of channel k is data[1024 k + 32 r + c]
    for k in range(3):
        for r, c in ((0, 0), (5, 17), (31, 31)):
            assert images[2, r, c, k] == data[2, 1024 * k + 32 * r + c]
    assert targets.tolist() == labels and targets.dtype == np.int64


def test_cifar_unpickler_refuses_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    (tmp_path / "evil").write_bytes(pickle.dumps({"data": Evil()}))
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        read_cifar_batch(tmp_path / "evil")
    (tmp_path / "nodata").write_bytes(pickle.dumps({"labels": [1]}))
    with pytest.raises(ValueError, match="not a CIFAR batch"):
        read_cifar_batch(tmp_path / "nodata")


def test_cifar10_from_archive(tmp_path):
    names = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5",
             "test_batch"]
    blobs = {name: cifar_batch(3, i) for i, name in enumerate(names)}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, (_, _, blob) in blobs.items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    tgz = tmp_path / "cifar-10-python.tar.gz"
    tgz.write_bytes(buf.getvalue())

    class Local(CIFAR10):
        name = "LocalCIFAR"
        url = tgz.as_uri()
        archive = ("cifar-10-python.tar.gz", md5(tgz))
        train_list = [(n, hashlib.md5(blobs[n][2]).hexdigest()) for n in names[:5]]  # noqa: S324
        test_list = [("test_batch", hashlib.md5(blobs["test_batch"][2]).hexdigest())]  # noqa: S324

    train = Local(root=tmp_path / "cache", download=True, transform=T.ToTensor())
    assert len(train) == 15 and train.data.shape == (15, 32, 32, 3)
    assert train.targets.tolist() == sum((blobs[n][1] for n in names[:5]), [])
    x, _ = train[0]
    assert x.shape == (3, 32, 32)
    test = Local(root=tmp_path / "cache", train=False)     # offline now: files are in place
    assert len(test) == 3
    assert sorted(os.listdir(tmp_path / "cache" / "LocalCIFAR")) == \
        ["cifar-10-batches-py", "cifar-10-python.tar.gz"]


def test_cifar_archive_with_unexpected_member_is_refused(tmp_path):
    from deepgrad.datasets.images import extract_tar

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("cifar-10-batches-py/../../escape")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    (tmp_path / "a.tar.gz").write_bytes(buf.getvalue())
    with pytest.raises(RuntimeError, match="unexpected member"):
        extract_tar(str(tmp_path / "a.tar.gz"), str(tmp_path / "out"), "cifar-10-batches-py")
    assert os.listdir(tmp_path / "out") == []
