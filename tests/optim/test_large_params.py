"""Large parameters go through the blocked NumPy kernels or the fused loops: same numbers as
torch, and the same bits whatever the block size."""
import numpy as np
import pytest
import torch

import deepgrad
import deepgrad.optim as optim
import deepgrad.optim._fused as fused
import deepgrad.optim._updates as updates

from .common import float64  # noqa: F401

CONFIGS = [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.2, maximize=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1)),
    ("Adadelta", dict(lr=1.0, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.05, maximize=True)),
    ("Adamax", dict(lr=0.05, weight_decay=0.1)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.05, betas=(0.8, 0.9))),
    ("Rprop", dict(lr=0.02, etas=(0.4, 1.3))),
    ("ASGD", dict(lr=0.05, lambd=0.5, alpha=0.5, t0=2, weight_decay=0.1, maximize=True)),
]
SHAPE = (150, 201)  # 30,150 elements: 8 blocks of the 4096 the tests set updates.CHUNK to
CHUNK = 4096
STEPS = 6


def _run(lib, name, kw, values, scale, steps=STEPS, fortran=False):
    if lib is deepgrad and fortran:  # a non-contiguous parameter takes the fallback path
        p = deepgrad.Tensor._make(np.asfortranarray(values)).requires_grad_()
    else:
        p = lib.tensor(np.array(values), requires_grad=True)
    c = lib.tensor(scale)
    opt = (getattr(optim, name) if lib is deepgrad else getattr(torch.optim, name))([p], **kw)
    sign = -1.0 if kw.get("maximize") else 1.0
    for _ in range(steps):
        opt.zero_grad()
        (sign * ((c * p * p).sum() + lib.sin(3 * p).sum())).backward()
        opt.step()
    return p.detach().numpy().copy()


def _small_blocks(monkeypatch, use_fused=False):
    monkeypatch.setattr(updates, "CHUNK", CHUNK)
    monkeypatch.setattr(fused, "ENABLED", use_fused)


def _data(dtype):
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, SHAPE).astype(dtype), rng.uniform(0.1, 2, SHAPE).astype(dtype)


@pytest.mark.parametrize("use_fused", [False, True], ids=["numpy-kernels", "fused-loops"])
@pytest.mark.parametrize("name,kw", CONFIGS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CONFIGS)])
def test_large_update_matches_torch(name, kw, use_fused, float64, monkeypatch):  # noqa: F811
    if use_fused:
        pytest.importorskip("numba")
    _small_blocks(monkeypatch, use_fused)
    values, scale = _data(np.float64)
    assert values.size > 7 * CHUNK
    ours = _run(deepgrad, name, kw, values, scale)
    theirs = _run(torch, name, kw, values, scale)
    assert np.abs(theirs - values).max() > 1e-2
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(_run(deepgrad, name, kw, values, scale, fortran=True), theirs,
                               rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name,kw", CONFIGS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CONFIGS)])
def test_blocks_do_not_change_bits(name, kw, monkeypatch):
    values, scale = _data(np.float32)
    _small_blocks(monkeypatch)
    blocked = _run(deepgrad, name, kw, values, scale, steps=3)
    monkeypatch.setattr(updates, "CHUNK", 10 ** 9)  # one block: the whole array at once
    whole = _run(deepgrad, name, kw, values, scale, steps=3)
    assert blocked.dtype == np.float32
    assert np.array_equal(blocked, whole)
