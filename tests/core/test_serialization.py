"""deepgrad.save / deepgrad.load: round trips, resuming training, atomic writes, safe loading."""
import os
import pickle

import numpy as np
import pytest

import deepgrad
import deepgrad.nn as nn
from deepgrad.backend import device


def _model_and_opt(seed=0):
    deepgrad.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    return model, deepgrad.optim.Adam(model.parameters(), lr=0.05)


def _train(model, opt, steps, seed):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        x = deepgrad.tensor(rng.standard_normal((16, 4)).astype(np.float32))
        y = deepgrad.tensor(rng.integers(0, 3, 16))
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()


def test_resuming_from_a_checkpoint_equals_never_stopping(tmp_path):
    model, opt = _model_and_opt()
    _train(model, opt, 5, seed=1)
    path = tmp_path / "ckpt.pt"
    deepgrad.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 5}, path)
    _train(model, opt, 5, seed=2)  # the uninterrupted run

    restored, restored_opt = _model_and_opt(seed=123)  # different initial weights
    ckpt = deepgrad.load(path)
    restored.load_state_dict(ckpt["model"])
    restored_opt.load_state_dict(ckpt["opt"])
    assert ckpt["epoch"] == 5
    _train(restored, restored_opt, 5, seed=2)
    for (name, a), (_, b) in zip(model.state_dict().items(), restored.state_dict().items()):
        assert np.array_equal(a.numpy(), b.numpy()), name


def test_file_objects_and_tensor_attributes(tmp_path):
    t = deepgrad.tensor([[1.5, -2.0]], dtype=deepgrad.float64, requires_grad=True)
    with open(tmp_path / "t.pt", "wb") as f:
        deepgrad.save({"t": t, "ints": deepgrad.arange(3), "nested": [1, (2.5, "x")]}, f)
    with open(tmp_path / "t.pt", "rb") as f:
        out = deepgrad.load(f)
    assert out["t"].dtype == deepgrad.float64 and out["t"].requires_grad
    assert out["t"].tolist() == [[1.5, -2.0]] and out["ints"].dtype == deepgrad.int64
    assert out["nested"] == [1, (2.5, "x")]


class _Unpicklable:
    def __reduce__(self):
        raise RuntimeError("cannot pickle this")


def test_a_failed_save_leaves_the_previous_checkpoint_intact(tmp_path):
    path = tmp_path / "ckpt.pt"
    deepgrad.save({"weights": deepgrad.ones(3)}, path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="cannot pickle"):
        deepgrad.save({"weights": deepgrad.zeros(3), "bad": _Unpicklable()}, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]  # no temporary file left behind
    assert deepgrad.load(path)["weights"].tolist() == [1.0, 1.0, 1.0]


class _Payload:
    def __reduce__(self):
        return (os.getcwd, ())  # any callable: a real attack would run a command


def test_weights_only_refuses_code_and_trusted_loading_allows_it(tmp_path):
    path = tmp_path / "evil.pt"
    with open(path, "wb") as f:
        pickle.dump({"x": _Payload()}, f)
    with pytest.raises(pickle.UnpicklingError, match="refused to rebuild posix.getcwd|refused"):
        deepgrad.load(path)
    assert deepgrad.load(path, weights_only=False)["x"] == os.getcwd()


def test_map_location_rebuilds_tensors_on_the_given_device(tmp_path):
    # a tensor recorded as living on a GPU (its array is NumPy: no GPU is needed to
    # check that map_location decides where it is rebuilt)
    gpu = deepgrad.Tensor._make(np.arange(3, dtype=np.float32), device("cuda:0"))
    path = tmp_path / "gpu.pt"
    deepgrad.save(gpu, path)
    out = deepgrad.load(path, map_location="cpu")
    assert out.device == "cpu" and out.tolist() == [0.0, 1.0, 2.0]
