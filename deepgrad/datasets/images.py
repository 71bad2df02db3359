"""Image data sets read from their original files: MNIST, Fashion-MNIST (IDX) and CIFAR-10.

The files stay in their published form under ``root/<NAME>/`` (``root`` defaults to
``~/.cache/deepgrad``) and are parsed with NumPy on every load (a second or two):

- IDX (MNIST, Fashion-MNIST; optionally gzip-compressed): bytes 0-1 are zero, byte 2 the
  element type (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64),
  byte 3 the number of dimensions ``d``; then ``d`` big-endian int32 sizes, then the values,
  big-endian, row-major.
- CIFAR-10 "python version": pickled dicts with ``data`` (10000, 3072) uint8, the 1024 red,
  then green, then blue values of each 32x32 image, and ``labels``. They are unpickled with
  an unpickler that only accepts NumPy arrays, after their MD5 has been checked.

``download=True`` fetches missing files from the standard public locations (atomic writes, MD5
checks); without it, or when offline, the error lists which files to put where.
"""
import gzip
import os
import pickle
import shutil
import tarfile
import tempfile

import numpy as np

from ..utils.data.dataset import Dataset
from ._files import check_md5, dataset_folder, download, missing_files_error

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """Parse an IDX file (plain or gzip-compressed) into a NumPy array in native byte order."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":     # gzip's magic number
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file: its first bytes are {raw[:4]!r}, expected "
                         "0x00 0x00, a type code in (0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E), ndim")
    dtype, ndim = np.dtype(_IDX_TYPES[raw[2]]), raw[3]
    shape = tuple(int(s) for s in np.frombuffer(raw, ">i4", count=ndim, offset=4))
    offset = 4 + 4 * ndim
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - offset != expected:
        raise ValueError(f"{path}: header says shape {shape} ({expected} bytes of data) but the "
                         f"file holds {len(raw) - offset} bytes after the header")
    data = np.frombuffer(raw, dtype, offset=offset).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists, strings, numbers and NumPy arrays, nothing else (no code)."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
                ("numpy._core.multiarray", "scalar"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data file")
        return super().find_class(module, name)


def read_cifar_batch(path):
    """One CIFAR python batch: ``(images (N, 32, 32, 3) uint8 HWC, labels (N,) int64)``."""
    with open(path, "rb") as f:
        entry = _NumpyOnlyUnpickler(f, encoding="latin1").load()
    entry = {k.decode() if isinstance(k, bytes) else k: v for k, v in entry.items()}
    labels = entry.get("labels", entry.get("fine_labels"))
    if "data" not in entry or labels is None:
        raise ValueError(f"{path} is not a CIFAR batch: its keys are {sorted(entry)}")
    data = np.asarray(entry["data"], dtype=np.uint8)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise ValueError(f"{path}: expected data of shape (N, 3072) and N labels, got "
                         f"{data.shape} and {len(labels)} labels")
    # stored channel-planar (R plane, G plane, B plane): (N, 3, 32, 32) -> HWC as torchvision
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy(), np.asarray(labels, np.int64)


class _ImageDataset(Dataset):
    """``ds[i] = (transform(image), target_transform(label))``; ``data`` and ``targets`` arrays.

    Without a transform the image is the raw uint8 array (H, W) or (H, W, C); ``ToTensor``
    turns it into a float tensor (C, H, W) in [0, 1].
    """

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        img, target = self.data[index], int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


class MNIST(_ImageDataset):
    """The MNIST digits: 60,000 training and 10,000 test images, 28x28 uint8, labels 0-9.

    Args:
        root: base folder (default ``~/.cache/deepgrad``); files live in ``root/MNIST/``.
        train (bool): training (True) or test split.
        transform, target_transform: callables applied to each image / label.
        download (bool): fetch missing files from the mirrors (MD5-checked).
        verify (bool): check every file's MD5 before parsing (default True).
    """

    name = "MNIST"
    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = {"train": [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                           ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432")],
                 "test": [("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                          ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]}
    classes = [str(d) for d in range(10)]

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False, verify=True):
        self.root, self.train = root, train
        self.transform, self.target_transform = transform, target_transform
        self.folder = dataset_folder(root, self.name)
        files = self.resources["train" if train else "test"]
        paths = _ensure_files(self.name, self.folder, files, self.mirrors, download, verify)
        self.data, self.targets = read_idx(paths[0]), read_idx(paths[1]).astype(np.int64)
        if len(self.data) != len(self.targets):
            raise ValueError(f"{self.name}: {len(self.data)} images but {len(self.targets)} labels")


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: MNIST's format and sizes, ten kinds of clothing."""

    name = "FashionMNIST"
    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
               "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"]
    resources = {"train": [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                           ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe")],
                 "test": [("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                          ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]}
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


def _ensure_files(name, folder, files, mirrors, download_missing, verify):
    """Paths of ``files`` in ``folder``, downloading the missing ones if asked."""
    bad = [(f, md5) for f, md5 in files
           if not check_md5(os.path.join(folder, f), md5 if verify else None)]
    if bad and download_missing:
        for fname, md5 in bad:
            download([m + fname for m in mirrors], os.path.join(folder, fname), md5)
        bad = []
    if bad:
        raise missing_files_error(name, folder, bad, {f: [m + f for m in mirrors] for f, _ in bad})
    return [os.path.join(folder, f) for f, _ in files]


class CIFAR10(_ImageDataset):
    """CIFAR-10: 50,000 training and 10,000 test colour images, 32x32x3 uint8 (HWC), 10 classes.

    Files: ``root/CIFAR10/cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta}``,
    extracted from ``cifar-10-python.tar.gz`` (downloaded to ``root/CIFAR10/``).
    Arguments as :class:`MNIST`.
    """

    name = "CIFAR10"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    archive = ("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a")
    base_folder = "cifar-10-batches-py"
    train_list = [("data_batch_1", "c99cafc152244af753f735de768cd75f"),
                  ("data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"),
                  ("data_batch_3", "54ebc095f3ab1f0389bbae665268c751"),
                  ("data_batch_4", "634d18415352ddfa80567beed471001a"),
                  ("data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb")]
    test_list = [("test_batch", "40351d587109b95175f43aff81a1287e")]
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
               "truck"]

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False, verify=True):
        self.root, self.train = root, train
        self.transform, self.target_transform = transform, target_transform
        self.folder = dataset_folder(root, self.name)
        batches = os.path.join(self.folder, self.base_folder)
        files = self.train_list if train else self.test_list
        bad = [(f, m) for f, m in files
               if not check_md5(os.path.join(batches, f), m if verify else None)]
        if bad and download:
            self._download_and_extract()
            bad = [(f, m) for f, m in files
                   if not check_md5(os.path.join(batches, f), m if verify else None)]
        if bad:
            err = missing_files_error(self.name, batches, bad, {})
            raise RuntimeError(f"{err}\nThey come in {self.url} (md5 {self.archive[1]}): "
                               f"put the archive in {self.folder} and pass download=True to "
                               f"extract it, or extract its {self.base_folder}/ folder there.")
        parts = [read_cifar_batch(os.path.join(batches, f)) for f, _ in files]
        self.data = np.concatenate([p[0] for p in parts])
        self.targets = np.concatenate([p[1] for p in parts])

    def _download_and_extract(self):
        tar_path = os.path.join(self.folder, self.archive[0])
        if not check_md5(tar_path, self.archive[1]):
            download([self.url], tar_path, self.archive[1])
        extract_tar(tar_path, self.folder, self.base_folder)


def extract_tar(tar_path, dest, top):
    """Extract the ``top/`` folder of a tar archive into ``dest`` atomically and safely.

    Members outside ``top/``, absolute paths, ``..`` parts and links are refused; the folder is
    extracted to a temporary sibling and renamed into place.
    """
    os.makedirs(dest, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=dest, prefix=".extract-")
    try:
        with tarfile.open(tar_path, "r:*") as tar:
            members = []
            for m in tar.getmembers():
                parts = m.name.replace("\\", "/").split("/")
                if os.path.isabs(m.name) or ".." in parts or parts[0] != top:
                    raise RuntimeError(f"{tar_path}: unexpected member {m.name!r}")
                if not (m.isfile() or m.isdir()):
                    raise RuntimeError(f"{tar_path}: refusing non-regular member {m.name!r}")
                members.append(m)
            if hasattr(tarfile, "data_filter"):   # Python >= 3.12 (and recent patch releases)
                tar.extractall(tmp, members=members, filter="data")
            else:
                tar.extractall(tmp, members=members)  # noqa: S202 - members checked above
        target = os.path.join(dest, top)
        if os.path.isdir(target):
            shutil.rmtree(target)
        os.replace(os.path.join(tmp, top), target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
