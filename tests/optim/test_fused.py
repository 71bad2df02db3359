"""The fused per-element loops (compiled by numba) give the same bits as the NumPy kernels,
for every option, dtype and layout; without numba, or when it fails, the NumPy kernels run."""
import numpy as np
import pytest

import deepgrad
import deepgrad.optim as optim
import deepgrad.optim._fused as fused
import deepgrad.optim._updates as updates

from .test_large_params import CONFIGS

numba = pytest.importorskip("numba")  # requirements-dev.txt installs it

# parameters of several sizes: tiny, medium (one piece), large (blocks), one 0-d
SHAPES = [(3,), (), (40, 70), (300, 101), (5000,)]


def _loop_of(name):
    """The fused loop an optimiser uses, or None (its NumPy kernel only)."""
    from deepgrad.optim import (adadelta, adagrad, adam, adamax, asgd, nadam,  # noqa: PLC0415
                                radam, rmsprop, rprop, sgd)

    return {"SGD": sgd._sgd_loop, "Adagrad": adagrad._adagrad_loop,
            "Adadelta": adadelta._adadelta_loop, "RMSprop": rmsprop._rmsprop_loop,
            "Rprop": rprop._rprop_loop, "ASGD": asgd._asgd_loop,
            "Adam": adam._adam_loop, "AdamW": adam._adam_loop, "Adamax": adamax._adamax_loop,
            "NAdam": nadam._nadam_loop, "RAdam": radam._radam_loop}.get(name)


def _run(name, kw, dtype, use_fused, steps=8, fortran=False):
    # 8 steps: RAdam with betas (0.8, 0.9) takes its adaptive branch from step 6 on
    rng = np.random.default_rng(1)
    values = [rng.uniform(-1, 1, s).astype(dtype) for s in SHAPES]
    if fortran:  # a non-contiguous parameter cannot take the loop: the NumPy kernel runs
        values[3] = np.asfortranarray(values[3])
    params = [deepgrad.Tensor._make(v).requires_grad_() for v in values]
    opt = getattr(optim, name)(params, **kw)
    previous, fused.ENABLED = fused.ENABLED, use_fused
    try:
        for step in range(steps):
            opt.zero_grad()
            loss = sum(((p * p).sum() * (0.5 + step) + deepgrad.sin(3 * p).sum()) for p in params)
            loss.backward()
            opt.step()
    finally:
        fused.ENABLED = previous
    return [p.detach().numpy().copy() for p in params], opt


# CONFIGS' option sets, and the ones it leaves out (defaults, maximize, branches)
EXTRA = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1, maximize=True, initial_accumulator_value=0.1)),
    ("Adadelta", dict(lr=1.0, rho=0.8, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, maximize=True)),
    ("Adam", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    ("Adamax", dict(lr=0.05, maximize=True)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("RAdam", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1, decoupled_weight_decay=True)),
    ("Rprop", dict(lr=0.05)),
    ("Rprop", dict(lr=0.02, etas=(0.3, 1.6), step_sizes=(1e-3, 0.1), maximize=True)),
    ("ASGD", dict(lr=0.05)),
]
LOOPED = [(n, kw) for n, kw in CONFIGS + EXTRA if _loop_of(n) is not None]


def test_every_elementwise_optimiser_has_a_loop():
    assert {n for n, _ in CONFIGS} == {n for n, _ in LOOPED}  # LBFGS is not elementwise


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kw", LOOPED, ids=[f"{c[0]}-{i}" for i, c in enumerate(LOOPED)])
def test_loop_gives_the_numpy_kernels_bits(name, kw, dtype, monkeypatch):
    monkeypatch.setattr(updates, "CHUNK", 4096)  # NumPy kernels: (300, 101) in 8 blocks
    loop = _loop_of(name)
    loop._ready.clear()
    ours, opt = _run(name, kw, dtype, use_fused=True)
    assert any(k[0] == np.dtype(dtype).str for k in loop._ready)  # the loop ran
    numpy_kernels, _ = _run(name, kw, dtype, use_fused=False)
    for a, b in zip(ours, numpy_kernels):
        assert a.dtype == dtype
        assert np.array_equal(a, b), np.abs(a - b).max()
    # the state (moments, buffers) too
    _, opt2 = _run(name, kw, dtype, use_fused=False)
    for p, q in zip(opt.param_groups[0]["params"], opt2.param_groups[0]["params"]):
        for key, value in opt.state[p].items():
            assert np.array_equal(value.numpy(), opt2.state[q][key].numpy()), key


def test_non_contiguous_parameters_take_the_numpy_kernel():
    ours, _ = _run("Adam", dict(lr=0.05), np.float32, use_fused=True, fortran=True)
    theirs, _ = _run("Adam", dict(lr=0.05), np.float32, use_fused=False, fortran=True)
    assert all(np.array_equal(a, b) for a, b in zip(ours, theirs))


def test_without_numba_the_numpy_kernels_run(monkeypatch):
    monkeypatch.setattr(fused, "_numba_jit", None)
    monkeypatch.setattr(fused.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(fused, "_numba_failed", False)
    loop = _loop_of("Adam")
    monkeypatch.setattr(loop, "_ready", set())
    monkeypatch.setattr(loop, "_compiled", None)
    ours, _ = _run("Adam", dict(lr=0.05, amsgrad=True), np.float32, use_fused=True)
    assert fused._numba_failed and not loop._ready
    theirs, _ = _run("Adam", dict(lr=0.05, amsgrad=True), np.float32, use_fused=False)
    assert all(np.array_equal(a, b) for a, b in zip(ours, theirs))


def test_a_loop_numba_cannot_compile_warns_and_falls_back(monkeypatch):
    def broken_jit(fn):
        def call(*args):
            raise numba.core.errors.TypingError("cannot type this")
        return call

    monkeypatch.setattr(fused, "_numba_jit", broken_jit)
    monkeypatch.setattr(fused, "_numba_failed", False)
    loop = _loop_of("SGD")
    monkeypatch.setattr(loop, "_ready", set())
    monkeypatch.setattr(loop, "_compiled", None)
    kw = dict(lr=0.1, momentum=0.9)
    with pytest.warns(RuntimeWarning, match="numba could not compile _sgd_loop"):
        ours, _ = _run("SGD", kw, np.float64, use_fused=True)
    theirs, _ = _run("SGD", kw, np.float64, use_fused=False)
    assert all(np.array_equal(a, b) for a, b in zip(ours, theirs))


def test_nan_and_inf_propagate_as_in_numpy(monkeypatch):
    for use_fused in (True, False):
        p = deepgrad.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        opt = optim.Adam([p], lr=0.1, amsgrad=True)
        monkeypatch.setattr(fused, "ENABLED", use_fused)
        with np.errstate(invalid="ignore"):  # the NumPy kernels warn of the NaNs
            p.grad = deepgrad.tensor([np.nan, np.inf, -np.inf, 1.0])
            opt.step()
            p.grad = deepgrad.tensor([1.0, 1.0, 1.0, np.nan])
            opt.step()
        result = (p.detach().numpy().copy(), opt.state[p]["max_exp_avg_sq"].numpy().copy())
        if use_fused:
            with_loop = result
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(with_loop, result))
    assert np.isnan(with_loop[0]).all()
