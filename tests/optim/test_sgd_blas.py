"""SGD's large parameters through NumPy's own BLAS (``optim/_blas.py``): the same trajectories
as torch, the fallback within round-off of the BLAS path, every layout and dtype handled,
version counters bumped, and a clean None when no BLAS library can be bound."""
import ctypes
import json
import os
import subprocess
import sys
import types

import numpy as np
import pytest
import torch

import deepgrad
import deepgrad.optim._fused as fused
from deepgrad.optim import _blas

SHAPE = (600, 500)   # 300,000 elements: far above _blas.MIN_SIZE
SMALL = (7, 5)       # stays on the NumPy path
STEPS = 5
# float32: axpy with FMA rounds once, NumPy's kernel twice; torch rounds once. Tolerances
# are float32 round-off over a few steps, not bits (the FMA depends on the CPU)
TOL = {np.float32: dict(rtol=2e-6, atol=1e-6), np.float64: dict(rtol=1e-13, atol=1e-14)}
CONFIGS = [dict(lr=0.05), dict(lr=0.05, momentum=0.9)]
IDS = ["plain", "momentum"]

needs_blas = pytest.mark.skipif(_blas.level1() is None, reason="no BLAS library to bind")


def each_rule_and_dtype(test):
    """Run ``test(kw, dtype, ...)`` for plain SGD and momentum, float32 and float64."""
    test = pytest.mark.parametrize("kw", CONFIGS, ids=IDS)(test)
    return needs_blas(pytest.mark.parametrize("dtype", [np.float32, np.float64])(test))


def _values(dtype, shapes=(SHAPE, SMALL), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1, 1, s).astype(dtype) for s in shapes]


def _loss(lib, params, step):
    """Non-quadratic, so the gradient depends on the iterate: errors would compound."""
    return sum(((p * p).sum() * (0.5 + step) + lib.sin(3 * p).sum()) for p in params)


def _train(lib, values, kw, steps=STEPS, make=None):
    make = make or (lambda v: lib.tensor(v.copy(), requires_grad=True))
    params = [make(v) for v in values]
    opt = (deepgrad.optim.SGD if lib is deepgrad else torch.optim.SGD)(params, **kw)
    for step in range(steps):
        opt.zero_grad()
        _loss(lib, params, step).backward()
        opt.step()
    return [p.detach().numpy().copy() for p in params]


@pytest.fixture
def counted(monkeypatch):
    """Counts the BLAS calls (a list of routine names), the routines still run."""
    calls = []
    for name in ("axpy", "axpby"):
        routine = getattr(_blas.Level1, name)

        def spy(self, *args, _routine=routine, _name=name):
            calls.append(_name)
            return _routine(self, *args)

        monkeypatch.setattr(_blas.Level1, name, spy)
    return calls


@pytest.fixture
def no_blas(monkeypatch):
    monkeypatch.setattr(_blas, "_bound", None)


@pytest.fixture
def numpy_kernels(monkeypatch):
    """The compiled loop off: with it, the momentum rule stays on the loop (it is faster)."""
    monkeypatch.setattr(fused, "ENABLED", False)


def _assert_close(ours, theirs, dtype):
    for a, b in zip(ours, theirs):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, **TOL[dtype])


@each_rule_and_dtype
def test_large_params_follow_torch(kw, dtype, counted, numpy_kernels):
    values = _values(dtype)
    ours = _train(deepgrad, values, kw)
    theirs = _train(torch, values, kw)
    assert np.abs(theirs[0] - values[0]).max() > 0.1  # the parameters moved
    _assert_close(ours, theirs, dtype)
    # the large parameter went through BLAS on every step (momentum: after the first)
    expected = STEPS if "momentum" not in kw else 2 * (STEPS - 1)
    assert len(counted) == expected


@each_rule_and_dtype
def test_blas_and_fallback_agree_to_round_off(kw, dtype, monkeypatch, numpy_kernels):
    values = _values(dtype)
    blas = _train(deepgrad, values, kw)
    monkeypatch.setattr(_blas, "_bound", None)
    fallback = _train(deepgrad, values, kw)
    eps = np.finfo(dtype).eps
    for a, b in zip(blas, fallback):
        # one rounding of the update apart per step: ulps of the values, a few steps
        assert np.abs(a - b).max() <= 4 * STEPS * eps * np.abs(b).max()


@needs_blas
def test_switched_off_by_the_environment():
    """DEEPGRAD_BLAS_UPDATES=0: no library is bound and SGD runs its NumPy kernels."""
    code = ("import json, numpy as np, deepgrad\n"
            "from deepgrad.optim import _blas\n"
            "p = deepgrad.tensor(np.linspace(-1, 1, 40000, dtype=np.float32), requires_grad=True)\n"
            "opt = deepgrad.optim.SGD([p], lr=0.1)\n"
            "for step in range(3):\n"
            "    opt.zero_grad(); (deepgrad.sin(3 * p).sum() * (1 + step)).backward(); opt.step()\n"
            "print(json.dumps({'bound': _blas.level1() is not None,"
            " 'p': p.detach().numpy().tolist()}))\n")
    env = dict(os.environ, DEEPGRAD_BLAS_UPDATES="0", DEEPGRAD_FUSED="0")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert not result["bound"]

    tp = torch.tensor(np.linspace(-1, 1, 40000, dtype=np.float32), requires_grad=True)
    opt = torch.optim.SGD([tp], lr=0.1)
    for step in range(3):
        opt.zero_grad()
        (torch.sin(3 * tp).sum() * (1 + step)).backward()
        opt.step()
    np.testing.assert_allclose(np.array(result["p"], np.float32), tp.detach().numpy(),
                               **TOL[np.float32])


@pytest.mark.parametrize("layout", ["fortran", "transposed"])
@pytest.mark.parametrize("kw", CONFIGS, ids=IDS)
def test_non_contiguous_params_take_the_numpy_path(kw, layout, counted, numpy_kernels):
    values = _values(np.float32)

    def make_ours(v):
        data = np.asfortranarray(v) if layout == "fortran" else np.ascontiguousarray(v.T).T
        return deepgrad.Tensor._make(data).requires_grad_()

    ours = _train(deepgrad, values, kw, make=make_ours)
    _assert_close(ours, _train(torch, values, kw), np.float32)
    assert not counted


def _step_with_grads(lib, values, grads, kw, steps=3):
    """SGD with gradients set by hand (``grads[i]``: an array, or a function of the
    parameter's values giving the gradient tensor, or None)."""
    params = [lib.tensor(v.copy(), requires_grad=True) for v in values]
    opt = (deepgrad.optim.SGD if lib is deepgrad else torch.optim.SGD)(params, **kw)
    for _ in range(steps):
        for p, make in zip(params, grads):
            p.grad = None if make is None else make(lib, p)
        opt.step()
    return [p.detach().numpy().copy() for p in params]


def _transposed_grad(lib, p):
    g = np.ascontiguousarray(np.cos(p.detach().numpy()).T).T  # same values, Fortran order
    return deepgrad.Tensor._make(g) if lib is deepgrad else torch.from_numpy(g)


def _row_view_grad(lib, p):
    """A C-contiguous view: the first rows of a larger array."""
    values = p.detach().numpy()
    big = np.concatenate([np.cos(values), np.ones((3, values.shape[1]), values.dtype)])
    return (deepgrad.tensor(big) if lib is deepgrad else torch.from_numpy(big))[:len(values)]


def _column_view_grad(lib, p):
    """A non-contiguous view: every other column of a wider array."""
    wide = np.repeat(np.cos(p.detach().numpy()), 2, axis=1)
    return (deepgrad.tensor(wide) if lib is deepgrad else torch.from_numpy(wide))[:, ::2]


def _own_data_grad(lib, p):
    """The parameter's own memory as its gradient (BLAS must not run on overlapping arrays)."""
    return p.detach()


@pytest.mark.parametrize("make_grad", [_transposed_grad, _row_view_grad, _column_view_grad,
                                       _own_data_grad])
@pytest.mark.parametrize("kw", CONFIGS, ids=IDS)
def test_grad_layouts_and_views_match_torch(make_grad, kw, numpy_kernels):
    values = _values(np.float32)
    grads = [make_grad, make_grad]
    ours = _step_with_grads(deepgrad, values, grads, kw)
    _assert_close(ours, _step_with_grads(torch, values, grads, kw), np.float32)


@pytest.mark.parametrize("kw", CONFIGS, ids=IDS)
def test_mixed_dtypes_and_a_missing_grad(kw, numpy_kernels):
    """One group: a float32 and a float64 large parameter, a large one without a gradient."""
    values = _values(np.float32, (SHAPE,)) + _values(np.float64, (SHAPE, SHAPE), seed=1)

    def grads(lib, p):
        return lib.cos(p.detach())

    ours = _step_with_grads(deepgrad, values, [grads, grads, None], kw)
    theirs = _step_with_grads(torch, values, [grads, grads, None], kw)
    _assert_close(ours[:1], theirs[:1], np.float32)
    _assert_close(ours[1:], theirs[1:], np.float64)
    assert np.array_equal(ours[2], values[2])  # no gradient: untouched


@pytest.mark.parametrize("kw", CONFIGS, ids=IDS)
def test_version_counter_bumps_as_torch(kw, numpy_kernels):
    def bumps(lib):
        p = lib.tensor(_values(np.float32, (SHAPE,))[0], requires_grad=True)
        opt = (deepgrad.optim.SGD if lib is deepgrad else torch.optim.SGD)([p], **kw)
        versions = []
        for _ in range(3):
            p.grad = lib.ones(SHAPE, dtype=p.dtype)
            opt.step()
            versions.append(p._version)
        return versions

    assert bumps(deepgrad) == bumps(torch)
    assert bumps(deepgrad)[-1] > bumps(deepgrad)[0]


@pytest.mark.parametrize("kw", CONFIGS, ids=IDS)
def test_step_on_a_saved_param_breaks_its_graph_as_in_torch(kw, numpy_kernels):
    for lib in (torch, deepgrad):
        p = lib.tensor(_values(np.float32, (SHAPE,))[0], requires_grad=True)
        opt = (deepgrad.optim.SGD if lib is deepgrad else torch.optim.SGD)([p], **kw)
        for _ in range(2):  # momentum: the second step is BLAS's
            loss = (p * p).sum()  # saves p for its backward
            p.grad = lib.ones(SHAPE, dtype=p.dtype)
            opt.step()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()


@needs_blas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_routines_compute_axpy_and_axpby(dtype):
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal(50000).astype(dtype), rng.standard_normal(50000).astype(dtype)
    a, b = dtype(-0.3), dtype(0.9)  # the routines take the scalars in the arrays' dtype
    blas = _blas.level1()
    assert blas.takes(y, x)

    def assert_rounded(out, terms):
        """``out`` is ``sum(terms)`` up to two roundings of the dtype: |error| <= 2 eps sum|t|."""
        terms = [t.astype(np.float64) for t in terms]
        bound = 2 * np.finfo(dtype).eps * sum(np.abs(t) for t in terms)
        assert (np.abs(out - sum(terms)) <= bound).all()

    out = y.copy()
    blas.axpy(float(a), x, out)
    assert_rounded(out, [a * x.astype(np.float64), y])   # y <- a x + y
    if blas.has_axpby(np.dtype(dtype)):
        out = y.copy()
        blas.axpby(1.0, x, float(b), out)
        assert_rounded(out, [x, b * y.astype(np.float64)])  # y <- 1 x + b y


@needs_blas
def test_takes_only_plain_blocks_of_one_float_dtype():
    blas = _blas.level1()
    y = np.zeros((300, 200), np.float32)
    x = np.ones_like(y)
    assert blas.takes(y, x)
    assert not blas.takes(y.T, x.T)                       # not C-contiguous
    assert not blas.takes(y, x.astype(np.float64))        # mixed dtypes
    assert not blas.takes(y.astype(">f4"), x)             # byte-swapped
    assert not blas.takes(y.astype(np.float16), x.astype(np.float16))
    assert not blas.takes(y, y)                           # overlapping
    assert not blas.takes(y, x.reshape(200, 300))         # another shape
    assert not blas.takes(y[:, :100].copy(), x[:, :100])  # a strided view
    frozen = y.copy()
    frozen.flags.writeable = False
    assert not blas.takes(frozen, x)                      # read-only destination


@pytest.mark.parametrize("break_it", ["no candidates", "not loaded", "no symbols",
                                      "other blas", "sources raise"])
def test_discovery_gives_none_cleanly(break_it, monkeypatch):
    if break_it == "no candidates":
        monkeypatch.setattr(_blas, "_candidates", lambda: [])
    elif break_it == "not loaded":
        monkeypatch.setattr(_blas, "_open_loaded", lambda path: None)
    elif break_it == "no symbols":
        monkeypatch.setattr(_blas, "_SYMBOLS", [("no_such_{t}{name}", None)])
    elif break_it == "other blas":
        monkeypatch.setattr(_blas, "_numpy_uses_openblas", lambda: False)
    else:
        def broken():
            raise OSError("unreadable")

        for source in ("_from_threadpoolctl", "_from_proc_maps", "_from_numpy_dirs"):
            monkeypatch.setattr(_blas, source, broken)
    monkeypatch.setattr(_blas, "_bound", _blas._UNSET)
    assert _blas.level1() is None
    # SGD falls back to its NumPy path, matching torch
    values = _values(np.float32)
    _assert_close(_train(deepgrad, values, dict(lr=0.05)), _train(torch, values, dict(lr=0.05)),
                  np.float32)


def test_discovery_is_cached_and_obeys_the_switch(monkeypatch):
    monkeypatch.setattr(_blas, "_bound", _blas._UNSET)
    monkeypatch.setenv("DEEPGRAD_BLAS_UPDATES", "0")
    assert _blas.level1() is None
    monkeypatch.delenv("DEEPGRAD_BLAS_UPDATES")
    assert _blas.level1() is None  # cached: read once
    monkeypatch.setattr(_blas, "_bound", _blas._UNSET)
    found = _blas.level1()
    assert _blas.level1() is found


def test_each_source_alone_finds_the_library_numpy_loaded(monkeypatch):
    """Without threadpoolctl, /proc/self/maps; without that too, the files next to NumPy:
    each finds the same library."""
    found = _blas.level1()
    if found is None:
        pytest.skip("no OpenBLAS bound")
    for source in ("_from_threadpoolctl", "_from_proc_maps"):
        monkeypatch.setattr(_blas, source, lambda: [])
        monkeypatch.setattr(_blas, "_bound", _blas._UNSET)
        fallback = _blas.level1()
        if fallback is not None:  # NumPy's library may live elsewhere (not in numpy.libs)
            assert os.path.samefile(fallback.path, found.path)


def test_integer_width_limits_sizes():
    """A 32-bit-integer BLAS never gets a size ctypes would wrap."""
    narrow = _blas.Level1("lib", {np.dtype(np.float32): None}, {}, ctypes.c_int32)
    assert narrow._max_size == 2 ** 31 - 1
    narrow._max_size = 10  # as if these arrays were beyond 2**31 - 1 elements
    assert not narrow.takes(np.zeros(11, np.float32), np.zeros(11, np.float32))
    assert narrow.takes(np.zeros(10, np.float32), np.zeros(10, np.float32))


class _FakeConfig:
    """Stands for a library's ``openblas_get_config`` (ctypes attributes settable)."""

    def __init__(self, text):
        self.text = text

    def __call__(self):
        return self.text


@pytest.mark.parametrize("text,width", [(b"OpenBLAS 0.3.27 USE64BITINT DYNAMIC_ARCH", 8),
                                        (b"OpenBLAS 0.3.27 DYNAMIC_ARCH", 4)])
def test_plain_cblas_width_comes_from_the_build_configuration(text, width):
    lib = types.SimpleNamespace(openblas_get_config=_FakeConfig(text))
    assert ctypes.sizeof(_blas._config_int_type(lib)) == width
    assert _blas._config_int_type(types.SimpleNamespace()) is None  # cannot tell: not bound
