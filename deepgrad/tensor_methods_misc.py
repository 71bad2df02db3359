"""Tensor methods for integer, set and assorted ops, in-place variants of the maths in
``ops/pointwise.py``, and Python operator hooks (``<<``, ``%``, ``in``, ``reversed``).

A mixin inherited by ``TensorMethodsMore`` (and so by ``Tensor``); one-line delegates.
"""
import numpy as np

from . import ops


def _inplace(t, fn, *others):
    return ops.inplace.inplace(t, fn, *others)


def _size_args(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


class TensorMethodsMisc:
    __slots__ = ()
    def bitwise_and(self, other): return ops.integer.bitwise_and(self, other)
    def bitwise_or(self, other): return ops.integer.bitwise_or(self, other)
    def bitwise_xor(self, other): return ops.integer.bitwise_xor(self, other)
    def bitwise_not(self): return ops.integer.bitwise_not(self)
    def bitwise_left_shift(self, other): return ops.integer.bitwise_left_shift(self, other)
    def bitwise_right_shift(self, other): return ops.integer.bitwise_right_shift(self, other)
    def __lshift__(self, other): return ops.integer.bitwise_left_shift(self, other)
    def __rshift__(self, other): return ops.integer.bitwise_right_shift(self, other)
    def __rand__(self, other): return ops.compare.logical_and(other, self) \
        if self._data.dtype == np.bool_ else ops.integer.bitwise_and(self, other)
    def __ror__(self, other): return ops.compare.logical_or(other, self) \
        if self._data.dtype == np.bool_ else ops.integer.bitwise_or(self, other)
    def __rxor__(self, other): return ops.compare.logical_xor(other, self) \
        if self._data.dtype == np.bool_ else ops.integer.bitwise_xor(self, other)
    def __rmod__(self, other): return ops.arithmetic.remainder(other, self)
    def __imod__(self, other):
        return _inplace(self, lambda o: ops.arithmetic.remainder(o, other), other)
    def __ipow__(self, other): return ops.inplace.pow_(self, other)
    def __ifloordiv__(self, other):
        return _inplace(self, lambda o: ops.arithmetic.floor_divide(o, other), other)
    def __contains__(self, element):
        return bool((self._data == (element._data if hasattr(element, "_data") else element))
                    .any())
    def __reversed__(self):
        return ops.shape.flip(self, 0) if self.ndim else self
    def gcd(self, other): return ops.integer.gcd(self, other)
    def lcm(self, other): return ops.integer.lcm(self, other)
    def isneginf(self): return ops.selection.isneginf(self)
    def isposinf(self): return ops.selection.isposinf(self)
    def isreal(self): return ops.selection.isreal(self)
    def msort(self): return ops.selection.msort(self)
    def fmax(self, other): return ops.selection.fmax(self, other)
    def fmin(self, other): return ops.selection.fmin(self, other)
    def nanmedian(self, dim=None, keepdim=False): return ops.selection.nanmedian(self, dim, keepdim)
    def mode(self, dim=-1, keepdim=False): return ops.selection.mode(self, dim, keepdim)
    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        return ops.selection.unique_consecutive(self, return_inverse, return_counts, dim)
    def dist(self, other, p=2): return ops.selection.dist(self, other, p)
    def diagflat(self, offset=0): return ops.selection.diagflat(self, offset)
    def exp2(self): return ops.elementwise.exp2(self)
    def exp2_(self): return _inplace(self, ops.elementwise.exp2)
    def erfc_(self): return _inplace(self, ops.special.erfc)
    def sinh_(self): return _inplace(self, ops.pointwise.sinh)
    def cosh_(self): return _inplace(self, ops.pointwise.cosh)
    def asin_(self): return _inplace(self, ops.pointwise.asin)
    def acos_(self): return _inplace(self, ops.pointwise.acos)
    def atan_(self): return _inplace(self, ops.pointwise.atan)
    def asinh_(self): return _inplace(self, ops.pointwise.asinh)
    def acosh_(self): return _inplace(self, ops.pointwise.acosh)
    def atanh_(self): return _inplace(self, ops.pointwise.atanh)
    arcsin_, arccos_, arctan_ = asin_, acos_, atan_
    arcsinh_, arccosh_, arctanh_ = asinh_, acosh_, atanh_
    def atan2_(self, other): return _inplace(self, lambda o: ops.pointwise.atan2(o, other), other)
    arctan2_ = atan2_
    def hypot_(self, other): return _inplace(self, lambda o: ops.pointwise.hypot(o, other), other)
    def xlogy_(self, other): return _inplace(self, lambda o: ops.pointwise.xlogy(o, other), other)
    def logit_(self, eps=None): return _inplace(self, lambda o: ops.pointwise.logit(o, eps))
    def sinc_(self): return _inplace(self, ops.pointwise.sinc)
    def frac_(self): return _inplace(self, ops.pointwise.frac)
    def deg2rad_(self): return _inplace(self, ops.pointwise.deg2rad)
    def rad2deg_(self): return _inplace(self, ops.pointwise.rad2deg)
    def ldexp_(self, other): return _inplace(self, lambda o: ops.pointwise.ldexp(o, other), other)
    def float_power_(self, exponent):
        return _inplace(self, lambda o: ops.pointwise.float_power(o, exponent), exponent)
    def heaviside_(self, values):
        return _inplace(self, lambda o: ops.pointwise.heaviside(o, values))
    def sgn_(self): return _inplace(self, ops.elementwise.sign)
    def floor_divide_(self, other):
        return _inplace(self, lambda o: ops.arithmetic.floor_divide(o, other), other)
    def addmv_(self, mat, vec, *, beta=1, alpha=1):
        return _inplace(self, lambda o: ops.products.addmv(o, mat, vec, beta=beta, alpha=alpha),
                        mat, vec)
    def addr_(self, vec1, vec2, *, beta=1, alpha=1):
        return _inplace(self, lambda o: ops.products.addr(o, vec1, vec2, beta=beta, alpha=alpha),
                        vec1, vec2)
    def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        return _inplace(self, lambda o: ops.products.baddbmm(o, batch1, batch2, beta=beta,
                                                             alpha=alpha), batch1, batch2)
    def addbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        return _inplace(self, lambda o: ops.products.addbmm(o, batch1, batch2, beta=beta,
                                                            alpha=alpha), batch1, batch2)
    def sum_to_size(self, *size):
        """Sum broadcast dims away until the shape is ``size`` (the gradient of an expand)."""
        return ops.arithmetic.sum_to(self, _size_args(size))
    def split_with_sizes(self, split_sizes, dim=0): return ops.shape.split(self, list(split_sizes), dim)
    def unsafe_chunk(self, chunks, dim=0): return ops.shape.chunk(self, chunks, dim)
    def unsafe_split(self, split_size, dim=0): return ops.shape.split(self, split_size, dim)
    def unsafe_split_with_sizes(self, split_sizes, dim=0):
        return ops.shape.split(self, list(split_sizes), dim)
    def hardshrink(self, lambd=0.5):
        from .nn.functional import hardshrink  # noqa: PLC0415
        return hardshrink(self, lambd)
    def prelu(self, weight):
        from .nn.functional import prelu  # noqa: PLC0415
        return prelu(self, weight)
    def ger(self, vec2): return ops.linalg.outer(self, vec2)
    def is_inference(self): return False
    def apply_(self, callable):  # noqa: A002
        """Replace each element by ``callable(element)`` (CPU, no graph; slow, as torch's)."""
        if self.device.type != "cpu":
            raise TypeError("apply_ is only implemented on CPU tensors")
        flat = self._data.reshape(-1)
        for i, v in enumerate(flat.tolist()):
            flat[i] = callable(v)
        self._vc[0] += 1
        return self
    def map_(self, tensor, callable):  # noqa: A002
        """self[i] = callable(self[i], tensor[i]) with ``tensor`` broadcast (CPU, no graph)."""
        if self.device.type != "cpu":
            raise TypeError("map_ is only implemented on CPU tensors")
        other = np.broadcast_to(tensor._data, self._data.shape).reshape(-1).tolist()
        flat = self._data.reshape(-1)
        for i, (a, b) in enumerate(zip(flat.tolist(), other)):
            flat[i] = callable(a, b)
        self._vc[0] += 1
        return self

    # --- in-place comparisons and logic: the result, cast to this tensor's dtype ---------------
    def eq_(self, other): return _compare_(self, ops.compare.eq, other)
    def ne_(self, other): return _compare_(self, ops.compare.ne, other)
    def lt_(self, other): return _compare_(self, ops.compare.lt, other)
    def le_(self, other): return _compare_(self, ops.compare.le, other)
    def gt_(self, other): return _compare_(self, ops.compare.gt, other)
    def ge_(self, other): return _compare_(self, ops.compare.ge, other)
    not_equal_, less_, less_equal_, greater_, greater_equal_ = ne_, lt_, le_, gt_, ge_
    def logical_and_(self, other): return _compare_(self, ops.compare.logical_and, other)
    def logical_or_(self, other): return _compare_(self, ops.compare.logical_or, other)
    def logical_xor_(self, other): return _compare_(self, ops.compare.logical_xor, other)
    def logical_not_(self): return _compare_(self, lambda a, _: ops.compare.logical_not(a), None)
    def bitwise_and_(self, other): return _compare_(self, ops.integer.bitwise_and, other)
    def bitwise_or_(self, other): return _compare_(self, ops.integer.bitwise_or, other)
    def bitwise_xor_(self, other): return _compare_(self, ops.integer.bitwise_xor, other)
    def bitwise_not_(self): return _compare_(self, lambda a, _: ops.integer.bitwise_not(a), None)
    def bitwise_left_shift_(self, other):
        return _compare_(self, ops.integer.bitwise_left_shift, other)
    def bitwise_right_shift_(self, other):
        return _compare_(self, ops.integer.bitwise_right_shift, other)
    def gcd_(self, other): return _compare_(self, ops.integer.gcd, other)
    def lcm_(self, other): return _compare_(self, ops.integer.lcm, other)
    def const_data_ptr(self): return self.data_ptr()

    # --- more random fills --------------------------------------------------------------------
    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        from .random import numpy_generator  # noqa: PLC0415
        return ops.inplace.random_fill_(
            self, lambda shape: median + sigma * numpy_generator(generator).standard_cauchy(shape))
    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        from .random import numpy_generator  # noqa: PLC0415
        return ops.inplace.random_fill_(
            self, lambda shape: numpy_generator(generator).lognormal(mean, std, shape))
    def geometric_(self, p, *, generator=None):
        from .random import numpy_generator  # noqa: PLC0415
        return ops.inplace.random_fill_(
            self, lambda shape: numpy_generator(generator).geometric(p, shape))

    # --- pinned host memory: deepgrad does not page-lock memory -----------------------------
    def is_pinned(self, device=None): return False
    def pin_memory(self, device=None):
        """torch's error without an accelerator; with a GPU the tensor itself (not pinned:
        copies to the GPU work the same, without the asynchronous-copy speed-up)."""
        from .cuda import is_available  # noqa: PLC0415
        if not is_available():
            raise RuntimeError("Cannot access accelerator device when none is available.")
        return self

    # --- writes at computed positions, float helpers (ops/writes.py, ops/numerics.py) ----------
    def index_put(self, indices, values, accumulate=False):
        return ops.writes.index_put(self, indices, values, accumulate)
    def index_put_(self, indices, values, accumulate=False):
        return _inplace(self, lambda o: ops.writes.index_put(o, indices, values, accumulate),
                        values)
    def put(self, index, source, accumulate=False):
        return ops.writes.put(self, index, source, accumulate)
    def put_(self, index, source, accumulate=False):
        return _inplace(self, lambda o: ops.writes.put(o, index, source, accumulate), source)
    def masked_scatter(self, mask, source): return ops.writes.masked_scatter(self, mask, source)
    def masked_scatter_(self, mask, source):
        return _inplace(self, lambda o: ops.writes.masked_scatter(o, mask, source), source)
    def copysign(self, other): return ops.numerics.copysign(self, other)
    def copysign_(self, other): return _inplace(self, lambda o: ops.numerics.copysign(o, other))
    def nextafter(self, other): return ops.numerics.nextafter(self, other)
    def nextafter_(self, other): return _inplace(self, lambda o: ops.numerics.nextafter(o, other))
    def frexp(self): return ops.numerics.frexp(self)
    def histogram(self, bins=100, *, range=None, weight=None, density=False):  # noqa: A002
        return ops.numerics.histogram(self, bins, range=range, weight=weight, density=density)
    def renorm(self, p, dim, maxnorm): return ops.numerics.renorm(self, p, dim, maxnorm)
    def renorm_(self, p, dim, maxnorm):
        return _inplace(self, lambda o: ops.numerics.renorm(o, p, dim, maxnorm))

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        return ops.scatter_reduce.scatter_reduce(self, dim, index, src, reduce,
                                                 include_self=include_self)
    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        return _inplace(self, lambda o: ops.scatter_reduce.scatter_reduce(
            o, dim, index, src, reduce, include_self=include_self), src)

    # --- in-place bitwise operators (logical for bool tensors, as torch) --------------------
    def __iand__(self, other): return _bitwise_(self, other, "and")
    def __ior__(self, other): return _bitwise_(self, other, "or")
    def __ixor__(self, other): return _bitwise_(self, other, "xor")
    def __ilshift__(self, other): return _compare_(self, ops.integer.bitwise_left_shift, other)
    def __irshift__(self, other): return _compare_(self, ops.integer.bitwise_right_shift, other)
    def __rlshift__(self, other): return ops.integer.bitwise_left_shift(other, self)
    def __rrshift__(self, other): return ops.integer.bitwise_right_shift(other, self)


def _compare_(t, fn, other):
    """``t = fn(t, other)`` cast to t's dtype, in place (comparisons have no gradient)."""
    return ops.inplace.inplace(t, lambda old: fn(old.detach(), other).to(old.dtype))


def _bitwise_(t, other, op):
    logical = t._data.dtype == np.bool_
    fn = {"and": (ops.compare.logical_and, ops.integer.bitwise_and),
          "or": (ops.compare.logical_or, ops.integer.bitwise_or),
          "xor": (ops.compare.logical_xor, ops.integer.bitwise_xor)}[op]
    return _compare_(t, fn[0] if logical else fn[1], other)
