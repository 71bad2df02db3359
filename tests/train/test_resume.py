"""Stopping after epoch k and resuming == never stopping, bit for bit; checkpoint errors."""
import os
import sys

import numpy as np
import pytest

import deepgrad
from deepgrad import nn, optim
from deepgrad.train import CheckpointError, Trainer
from deepgrad.utils.data import DataLoader, TensorDataset

from .common import classification_data, mlp, weights


def _trainer(model_seed=0, seed=7, scheduler=True):
    model = mlp(seed=model_seed)
    opt = optim.Adam(model.parameters(), lr=0.01)
    sched = optim.lr_scheduler.StepLR(opt, 1, gamma=0.7) if scheduler else None
    return Trainer(model, opt, nn.CrossEntropyLoss(), metrics=["accuracy"], progress=None,
                   seed=seed, scheduler=sched, batch_size=8)


def _assert_same_weights(a, b):
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    for k in wa:
        np.testing.assert_array_equal(wa[k], wb[k])


@pytest.mark.parametrize("stop_after", [1, 2])
def test_resume_equals_uninterrupted_run(tmp_path, stop_after):
    X, y = classification_data(50)
    full = _trainer()
    expected = full.fit((X, y), epochs=4, val_split=0.2).history

    first = _trainer()
    first.fit((X, y), epochs=stop_after, val_split=0.2)
    path = tmp_path / "run.safetensors"
    first.save_checkpoint(path)
    deepgrad.manual_seed(12345)                 # disturb every random stream
    second = _trainer(model_seed=3, seed=99)    # other init, other seed: all restored
    second.load_checkpoint(path)
    assert second.epoch == stop_after
    h = second.fit((X, y), epochs=4, val_split=0.2, initial_epoch=second.epoch)
    assert h.history == expected and h.epoch == [0, 1, 2, 3]
    _assert_same_weights(second.model, full.model)


def test_resume_restores_a_user_dataloader_generator(tmp_path):
    X, y = classification_data(40)

    def loader():
        ds = TensorDataset(deepgrad.tensor(X), deepgrad.tensor(y))
        return DataLoader(ds, batch_size=8, shuffle=True,
                          generator=deepgrad.Generator().manual_seed(1))

    full = _trainer(seed=None, scheduler=False)
    expected = full.fit(loader(), epochs=3).history
    first = _trainer(seed=None, scheduler=False)
    first.fit(loader(), epochs=1)
    first.save_checkpoint(tmp_path / "c.safetensors")
    second = _trainer(seed=None, scheduler=False)
    second.load_checkpoint(tmp_path / "c.safetensors")
    assert second.fit(loader(), epochs=3, initial_epoch=1).history == expected


def test_resume_with_early_stopping_stops_where_the_uninterrupted_run_stops(tmp_path):
    from deepgrad.train import EarlyStopping
    X, y = classification_data(50)

    def make():
        t = _trainer()
        t.callbacks.append(EarlyStopping(monitor="val_accuracy", patience=1, min_delta=0.2))
        return t

    full = make()
    expected = full.fit((X, y), epochs=8, val_split=0.2).history
    assert len(expected["loss"]) < 8                       # it did stop early
    first = make()
    first.fit((X, y), epochs=1, val_split=0.2)
    first.save_checkpoint(tmp_path / "es.safetensors")
    second = make()
    second.load_checkpoint(tmp_path / "es.safetensors")
    assert second.fit((X, y), epochs=8, val_split=0.2, initial_epoch=1).history == expected


def _saved(tmp_path):
    X, y = classification_data(20)
    t = _trainer()
    t.fit((X, y), epochs=1)
    path = tmp_path / "ok.safetensors"
    t.save_checkpoint(path)
    return path


def _snapshot(t):
    return weights(t.model), t.optimizer.state_dict(), t.epoch, dict(t.history.history)


def _assert_unchanged(t, snap):
    w, opt_state, epoch, hist = snap
    for k, v in weights(t.model).items():
        np.testing.assert_array_equal(v, w[k])
    assert t.optimizer.state_dict()["state"].keys() == opt_state["state"].keys()
    assert t.epoch == epoch and t.history.history == hist


def test_other_architecture_is_refused_naming_keys_before_any_change(tmp_path):
    path = _saved(tmp_path)
    deepgrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3),
                          nn.Linear(3, 3))
    t = Trainer(model, optim.Adam(model.parameters(), lr=0.01), nn.CrossEntropyLoss(),
                progress=None, scheduler=None)
    snap = _snapshot(t)
    with pytest.raises(CheckpointError) as info:
        t.load_checkpoint(path)
    msg = str(info.value)
    assert "another architecture" in msg and "missing keys: 4.weight, 4.bias" in msg
    assert "0.weight: [8, 5] in the checkpoint, [16, 5] in the model" in msg
    _assert_unchanged(t, snap)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "flip_header"])
def test_corrupt_or_truncated_file_is_refused_and_nothing_changes(tmp_path, damage):
    path = _saved(tmp_path)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) - 10])
    elif damage == "garbage":
        path.write_bytes(os.urandom(300))
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.write_bytes(data[:8] + b"#" + data[9:])
    t = _trainer(model_seed=4)
    snap = _snapshot(t)
    with pytest.raises(CheckpointError, match="corrupt or truncated|too short|claims|tensors "
                                              "need"):
        t.load_checkpoint(path)
    _assert_unchanged(t, snap)


def test_missing_file_and_scheduler_mismatch(tmp_path):
    t = _trainer()
    with pytest.raises(CheckpointError, match="cannot read"):
        t.load_checkpoint(tmp_path / "nope.safetensors")
    path = _saved(tmp_path)
    with pytest.raises(CheckpointError, match="scheduler"):
        _trainer(scheduler=False).load_checkpoint(path)


def test_without_safetensors_falls_back_to_deepgrad_save_with_a_warning(tmp_path, monkeypatch):
    X, y = classification_data(20)
    t = _trainer()
    t.fit((X, y), epochs=1)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    path = tmp_path / "fallback.ckpt"
    with pytest.warns(RuntimeWarning, match=r"pip install deepgrad\[safetensors\]"):
        t.save_checkpoint(path)
    assert path.read_bytes()[:1] == b"\x80"        # a pickle, read by the restricted loader
    t2 = _trainer(model_seed=2)
    t2.load_checkpoint(path)
    _assert_same_weights(t2.model, t.model)
    assert t2.history.history == t.history.history


def test_checkpoint_is_safetensors_readable_by_the_safetensors_package(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    path = _saved(tmp_path)
    tensors = st.load_file(str(path))
    shapes = sorted(tuple(v.shape) for v in tensors.values())
    assert (8, 5) in shapes and (3, 8) in shapes


def test_weights_only_files(tmp_path):
    from deepgrad.train import load_weights, save_weights
    t = _trainer()
    path = tmp_path / "w.safetensors"
    save_weights(t.model, path)
    other = _trainer(model_seed=6)
    with pytest.raises(CheckpointError, match="weights only"):
        other.load_checkpoint(path)
    result = load_weights(other.model, path)
    assert result.missing_keys == [] and result.unexpected_keys == []
    _assert_same_weights(other.model, t.model)
