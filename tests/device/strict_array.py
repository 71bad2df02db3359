"""A strict stand-in for CuPy, so that deepgrad's GPU path runs (and is checked) on any machine.

``StrictDeviceArray`` wraps a NumPy array and plays a CuPy array: NumPy functions and
ufuncs called on it dispatch through ``__array_function__``/``__array_ufunc__`` and return
device arrays again, while everything CuPy forbids is refused with a TypeError:

* implicit conversion to a host array (``np.asarray(d)``, ``__array__``, the buffer-less
  paths NumPy would take), exactly CuPy's "Implicit conversion to a NumPy array is not
  allowed";
* mixing with host arrays: a ``np.ndarray`` passed to a ufunc or NumPy function next to a
  device array, used as an index, or assigned into a device array;
* implicit device-to-host *scalars*, which CuPy allows but which stall a GPU pipeline:
  ``float(d)``, ``int(d)``, ``bool(d)``, ``operator.index(d)``. Code that needs a host
  value asks for it explicitly with ``.item()``, ``.get()`` or ``.tolist()``.

Python scalars and NumPy scalars (``np.float32(2)``) may be mixed in freely, as in CuPy.
Reductions return 0-d device arrays, as in CuPy (never NumPy scalars).

``make_fake_cupy()`` returns a module object with the parts of CuPy's namespace deepgrad
uses (creation functions, ``asarray``/``asnumpy``, ``random``, ``cuda.Device``,
``cuda.runtime``, memory pools, ``lib.stride_tricks``); any other attribute is a NumPy
function applied under the same strict rules.
"""
import types

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

IMPLICIT = ("Implicit conversion to a NumPy array is not allowed. "
            "Please use `.get()` to construct a NumPy array explicitly.")


class HostDeviceMixError(TypeError):
    """A host (NumPy) array met a device array, or a device value was pulled to the host."""


class _Device:
    """``arr.device`` / ``cupy.cuda.Device(i)``: an id and a no-op context manager."""

    def __init__(self, index=0):
        self.id = 0 if index is None else int(index)
        if self.id != 0:
            raise ValueError(f"the strict test device has one GPU (id 0), got id {self.id}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def use(self):
        return self

    def synchronize(self):
        pass


_DEVICE0 = _Device(0)


def _unwrap(x, where):
    """The inner NumPy array of a device array; host arrays refused, containers recursed."""
    if type(x) is StrictDeviceArray:
        return x._a
    if isinstance(x, np.ndarray):
        raise HostDeviceMixError(
            f"{where}: a host numpy.ndarray of shape {x.shape} was mixed with device arrays "
            "(CuPy refuses this; move it with cupy.asarray or create it on the device)")
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v, where) for v in x)
    if isinstance(x, dict):
        return {k: _unwrap(v, where) for k, v in x.items()}
    return x


def _wrap(x):
    """Device arrays for NumPy results (0-d for NumPy scalars, as CuPy returns)."""
    if isinstance(x, np.ndarray):
        return StrictDeviceArray(x)
    if isinstance(x, np.generic):
        return StrictDeviceArray(np.asarray(x))
    if isinstance(x, tuple):
        return tuple(_wrap(v) for v in x)
    if isinstance(x, list):
        return [_wrap(v) for v in x]
    return x


# NumPy functions whose answer is metadata, a host value in CuPy too
_HOST_RESULTS = frozenset("""ndim shape size result_type can_cast min_scalar_type may_share_memory
shares_memory iscomplexobj isrealobj isscalar""".split())


def _name(func):
    return getattr(func, "__name__", repr(func))


class StrictDeviceArray(NDArrayOperatorsMixin):
    """A CuPy-like device array over a NumPy array (see the module docstring for the rules)."""

    __slots__ = ("_a",)
    __array_priority__ = 1000

    def __init__(self, inner):
        if not isinstance(inner, np.ndarray):
            raise TypeError(f"StrictDeviceArray wraps a numpy.ndarray, got {type(inner).__name__}")
        if inner.dtype.kind in "OUSV":
            raise TypeError(f"a device array cannot hold dtype {inner.dtype} (CuPy neither)")
        self._a = inner

    # --- what CuPy refuses ---------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise HostDeviceMixError(IMPLICIT)

    def _no_scalar(self, kind):
        raise HostDeviceMixError(
            f"implicit device-to-host {kind}() of a device array (shape {self._a.shape}): "
            "a hidden GPU sync; call .item() explicitly if the host value is really needed")

    def __float__(self):
        self._no_scalar("float")

    def __int__(self):
        self._no_scalar("int")

    def __bool__(self):
        self._no_scalar("bool")

    def __index__(self):
        self._no_scalar("index")

    def __complex__(self):
        self._no_scalar("complex")

    # --- dispatch ----------------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        where = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        out = kwargs.get("out")
        args = _unwrap(inputs, where)
        for key in ("out", "where"):
            if key in kwargs:
                kwargs[key] = _unwrap(kwargs[key], where)
        result = getattr(ufunc, method)(*args, **kwargs)
        if method == "at":
            return None
        if out is not None:   # out= a device array: return that very object, as CuPy does
            outs = out if isinstance(out, tuple) else (out,)
            if len(outs) == 1:
                return outs[0]
        return _wrap(result)

    def __array_function__(self, func, types_, args, kwargs):
        where = f"numpy.{_name(func)}"
        out = kwargs.get("out")
        result = func(*_unwrap(args, where), **_unwrap(kwargs, where))
        if type(out) is StrictDeviceArray:
            return out
        if _name(func) in _HOST_RESULTS:
            return result
        if type(result) in (bool, int, float, complex):   # CuPy answers with a 0-d array
            return StrictDeviceArray(np.asarray(result))
        return _wrap(result)

    # --- attributes CuPy arrays have -----------------------------------------------------
    @property
    def shape(self):
        return self._a.shape

    @shape.setter
    def shape(self, new_shape):   # as CuPy: AttributeError when a copy would be needed
        self._a.shape = new_shape

    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    strides = property(lambda self: self._a.strides)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    flags = property(lambda self: self._a.flags)
    device = property(lambda self: _DEVICE0)
    T = property(lambda self: StrictDeviceArray(self._a.T))
    real = property(lambda self: StrictDeviceArray(self._a.real))
    imag = property(lambda self: StrictDeviceArray(self._a.imag))
    mT = property(lambda self: StrictDeviceArray(np.swapaxes(self._a, -1, -2)))

    @property
    def base(self):
        return None if self._a.base is None else StrictDeviceArray(self._a.base)

    @property
    def data(self):
        """CuPy's memory pointer; here an object whose ``ptr`` is the buffer address."""
        return types.SimpleNamespace(ptr=self._a.__array_interface__["data"][0])

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (StrictDeviceArray(np.asarray(v)) for v in self._a)

    def __repr__(self):
        return f"StrictDeviceArray({self._a!r})"

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        return (StrictDeviceArray, (self._a,))

    # --- indexing ----------------------------------------------------------------------
    def __getitem__(self, key):
        return _wrap(self._a[_unwrap(key, "device array indexing")])

    def __setitem__(self, key, value):
        self._a[_unwrap(key, "device array indexing")] = _unwrap(value, "device array assignment")

    # --- explicit host transfers (allowed) -----------------------------------------------
    def get(self, stream=None, order="C", out=None):
        return np.array(self._a, order=order)

    def item(self, *args):
        return self._a.item(*args)

    def tolist(self):
        return self._a.tolist()

    # --- methods with CuPy's behaviour ---------------------------------------------------
    def astype(self, dtype, order="K", casting=None, subok=None, copy=True):
        return StrictDeviceArray(self._a.astype(dtype, order=order, copy=copy))

    def copy(self, order="C"):
        return StrictDeviceArray(self._a.copy(order=order))

    def view(self, dtype=None):
        return StrictDeviceArray(self._a.view() if dtype is None else self._a.view(dtype))

    def fill(self, value):
        self._a.fill(_unwrap(value, "ndarray.fill"))

    def __getattr__(self, name):
        """Array methods (reshape, transpose, sum, ...) under the strict rules."""
        if name not in _FORWARDED_METHODS:
            raise AttributeError(f"'StrictDeviceArray' (CuPy-like) has no attribute {name!r}")
        method = getattr(self._a, name)

        def call(*args, **kwargs):
            where = f"ndarray.{name}"
            return _wrap(method(*_unwrap(args, where), **_unwrap(kwargs, where)))
        return call


_FORWARDED_METHODS = frozenset("""
reshape transpose swapaxes ravel flatten squeeze sum mean prod max min argmax argmin any all
std var cumsum cumprod clip dot diagonal nonzero repeat take sort argsort conj conjugate
round trace put choose partition argpartition searchsorted compress
""".split())


# --- the fake cupy module --------------------------------------------------------------

def asarray(a, dtype=None, order=None, copy=None):
    """Host or device data to a device array (explicit host-to-device copy, allowed)."""
    if type(a) is StrictDeviceArray:
        if dtype is None or np.dtype(dtype) == a.dtype:
            return a
        return a.astype(dtype)
    return StrictDeviceArray(np.array(a, dtype=dtype, order=order or "K"))


def array(a, dtype=None, copy=True, order="K", ndmin=0):
    inner = a._a if type(a) is StrictDeviceArray else a
    return StrictDeviceArray(np.array(inner, dtype=dtype, copy=True, order=order, ndmin=ndmin))


def asnumpy(a, stream=None, order="C", out=None):
    return a.get(order=order) if type(a) is StrictDeviceArray else np.asarray(a, order=order)


def _strict_numpy_function(name):
    """``fake_cupy.<name>``: NumPy's function on unwrapped device arrays, host arrays refused."""
    func = getattr(np, name)

    def call(*args, **kwargs):
        where = f"cupy.{name}"
        return _wrap(func(*_unwrap(args, where), **_unwrap(kwargs, where)))
    call.__name__ = name
    return call


class _FakeGenerator:
    """``cupy.random.Generator``: NumPy's generator, results on the device."""

    def __init__(self, seed=None):
        self._g = np.random.default_rng(seed)

    def __getattr__(self, name):
        method = getattr(self._g, name)

        def call(*args, **kwargs):
            return _wrap(method(*_unwrap(args, f"Generator.{name}"), **kwargs))
        return call


class _FakeRandom(types.ModuleType):
    def __init__(self):
        super().__init__("cupy.random")
        self.Generator = _FakeGenerator
        self.default_rng = _FakeGenerator
        self._state = _FakeGenerator(0)

    def seed(self, seed=None):
        self._state = _FakeGenerator(seed)

    def get_random_state(self):
        return self._state

    def __getattr__(self, name):  # cupy.random.rand/randn/... from the global state
        return getattr(self._state, name)


class _MemoryPool:
    def used_bytes(self):
        return 0

    def total_bytes(self):
        return 0

    def free_all_blocks(self):
        pass

    def n_free_blocks(self):
        return 0


class FakeCupy(types.ModuleType):
    """A module object that deepgrad's backend takes for CuPy."""

    def __init__(self):
        super().__init__("cupy")
        self.ndarray = StrictDeviceArray
        self.asarray = asarray
        self.array = array
        self.asnumpy = asnumpy
        self.random = _FakeRandom()
        runtime = types.SimpleNamespace(
            getDeviceCount=lambda: 1,
            getDevice=lambda: 0,
            getDeviceProperties=lambda i: {"name": b"StrictDeviceArray test double",
                                           "totalGlobalMem": 1 << 30},
            memGetInfo=lambda: (1 << 30, 1 << 30))
        self.cuda = types.SimpleNamespace(Device=_Device, runtime=runtime,
                                          Stream=types.SimpleNamespace(null=None))
        pool = _MemoryPool()
        self.get_default_memory_pool = lambda: pool
        self.get_default_pinned_memory_pool = lambda: pool
        self.lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(
            as_strided=lambda a, shape=None, strides=None: StrictDeviceArray(
                np.lib.stride_tricks.as_strided(_unwrap(a, "as_strided"), shape, strides))))

    def __getattr__(self, name):
        if name.startswith("__") or not callable(getattr(np, name, None)):
            raise AttributeError(f"the fake cupy module has no attribute {name!r}")
        value = getattr(np, name)
        if isinstance(value, type):   # dtypes: cupy.float32 is numpy.float32
            return value
        return _strict_numpy_function(name)


def make_fake_cupy():
    return FakeCupy()


def device_array(x, dtype=None):
    """Test helper: host data to a StrictDeviceArray."""
    return asarray(x, dtype=dtype)
