"""More Tensor methods (issue 9): one-line delegates to the ops added for torch parity.

Kept in a mixin that ``TensorMethods`` inherits, so that file stays short; a method defined
in ``tensor_methods.py`` or ``tensor.py`` takes precedence over one here.
"""
import numpy as np

from . import ops
from .tensor_methods_misc import TensorMethodsMisc


def _inplace(t, fn, *others):
    return ops.inplace.inplace(t, fn, *others)


def _size_args(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


class TensorMethodsMore(TensorMethodsMisc):
    __slots__ = ()

    # --- triangles and diagonals ---------------------------------------------------------
    def tril(self, diagonal=0): return ops.triangular.tril(self, diagonal)
    def triu(self, diagonal=0): return ops.triangular.triu(self, diagonal)
    def tril_(self, diagonal=0): return _inplace(self, lambda o: ops.triangular.tril(o, diagonal))
    def triu_(self, diagonal=0): return _inplace(self, lambda o: ops.triangular.triu(o, diagonal))
    def diag(self, diagonal=0): return ops.triangular.diag(self, diagonal)
    def diagonal(self, offset=0, dim1=0, dim2=1):
        return ops.triangular.diagonal(self, offset, dim1, dim2)
    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        return ops.triangular.diag_embed(self, offset, dim1, dim2)
    def trace(self): return ops.triangular.trace(self)

    # --- more elementwise maths ------------------------------------------------------------
    def sinh(self): return ops.pointwise.sinh(self)
    def cosh(self): return ops.pointwise.cosh(self)
    def asin(self): return ops.pointwise.asin(self)
    def acos(self): return ops.pointwise.acos(self)
    def atan(self): return ops.pointwise.atan(self)
    def asinh(self): return ops.pointwise.asinh(self)
    def acosh(self): return ops.pointwise.acosh(self)
    def atanh(self): return ops.pointwise.atanh(self)
    arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
    def atan2(self, other): return ops.pointwise.atan2(self, other)
    arctan2 = atan2
    def fmod(self, other): return ops.pointwise.fmod(self, other)
    def hypot(self, other): return ops.pointwise.hypot(self, other)
    def logaddexp(self, other): return ops.pointwise.logaddexp(self, other)
    def logaddexp2(self, other): return ops.pointwise.logaddexp2(self, other)
    def xlogy(self, other): return ops.pointwise.xlogy(self, other)
    def logit(self, eps=None): return ops.pointwise.logit(self, eps)
    def sinc(self): return ops.pointwise.sinc(self)
    def frac(self): return ops.pointwise.frac(self)
    def deg2rad(self): return ops.pointwise.deg2rad(self)
    def rad2deg(self): return ops.pointwise.rad2deg(self)
    def signbit(self): return ops.pointwise.signbit(self)
    def heaviside(self, values): return ops.pointwise.heaviside(self, values)
    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return ops.pointwise.nan_to_num(self, nan, posinf, neginf)
    def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
        return _inplace(self, lambda o: ops.pointwise.nan_to_num(o, nan, posinf, neginf))
    def ldexp(self, other): return ops.pointwise.ldexp(self, other)
    def float_power(self, exponent): return ops.pointwise.float_power(self, exponent)
    def clamp_min(self, min): return ops.pointwise.clamp_min(self, min)  # noqa: A002
    def clamp_max(self, max): return ops.pointwise.clamp_max(self, max)  # noqa: A002
    def clamp_min_(self, min): return ops.inplace.clamp_(self, min=min)  # noqa: A002
    def clamp_max_(self, max): return ops.inplace.clamp_(self, max=max)  # noqa: A002
    def positive(self): return self
    def erf(self): return ops.special.erf(self)
    def erfc(self): return ops.special.erfc(self)
    def nansum(self, dim=None, keepdim=False, *, dtype=None):
        return ops.pointwise.nansum(self, dim, keepdim, dtype=dtype)
    def nanmean(self, dim=None, keepdim=False, *, dtype=None):
        return ops.pointwise.nanmean(self, dim, keepdim, dtype=dtype)

    # --- aliases ---------------------------------------------------------------------------
    def absolute(self): return ops.elementwise.abs(self)
    def fix(self): return ops.elementwise.trunc(self)
    def sgn(self): return ops.elementwise.sign(self)
    def multiply(self, other): return ops.arithmetic.mul(self, other)
    def subtract(self, other, alpha=1): return ops.arithmetic.sub(self, other, alpha=alpha)
    def divide(self, other, rounding_mode=None): return ops.arithmetic.div(self, other, rounding_mode)
    def true_divide(self, other): return ops.arithmetic.div(self, other)
    def floor_divide(self, other): return ops.arithmetic.floor_divide(self, other)
    def negative(self): return ops.arithmetic.neg(self)
    def greater(self, other): return ops.compare.gt(self, other)
    def greater_equal(self, other): return ops.compare.ge(self, other)
    def less(self, other): return ops.compare.lt(self, other)
    def less_equal(self, other): return ops.compare.le(self, other)
    def not_equal(self, other): return ops.compare.ne(self, other)
    def logical_xor(self, other): return ops.compare.logical_xor(self, other)
    def isclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
        return ops.compare.isclose(self, other, rtol, atol, equal_nan)
    def argwhere(self): return ops.compare.argwhere(self)
    def broadcast_to(self, size): return ops.shape.broadcast_to(self, size)
    def inner(self, other): return ops.linalg.inner(self, other)
    def moveaxis(self, source, destination): return ops.shape.movedim(self, source, destination)
    def swapdims(self, dim0, dim1): return ops.shape.transpose(self, dim0, dim1)
    def ndimension(self): return self.ndim
    def byte(self): return self.to(np.uint8)
    def char(self): return self.to(np.int8)
    def short(self): return self.to(np.int16)
    # real tensors: conjugation is the identity
    def conj(self): return self
    def resolve_conj(self): return self
    def resolve_neg(self): return self
    def is_conj(self): return False
    def is_neg(self): return False
    @property
    def mH(self): return ops.shape.transpose(self, -2, -1)
    @property
    def H(self):
        if self.ndim > 2:
            raise RuntimeError("tensor.H is only supported on matrices (2-D tensors). Got "
                               f"{self.ndim}-D tensor.")
        return ops.shape.permute(self, tuple(range(self.ndim))[::-1])
    def adjoint(self): return ops.shape.transpose(self, -2, -1)

    # --- in-place forms of elementwise functions --------------------------------------------
    def abs_(self): return _inplace(self, ops.elementwise.abs)
    absolute_ = abs_
    def floor_(self): return _inplace(self, ops.elementwise.floor)
    def ceil_(self): return _inplace(self, ops.elementwise.ceil)
    def trunc_(self): return _inplace(self, ops.elementwise.trunc)
    fix_ = trunc_
    def round_(self, decimals=0): return _inplace(self, lambda o: ops.elementwise.round(o, decimals))
    def sign_(self): return _inplace(self, ops.elementwise.sign)
    def log_(self): return _inplace(self, ops.elementwise.log)
    def log1p_(self): return _inplace(self, ops.elementwise.log1p)
    def log2_(self): return _inplace(self, ops.elementwise.log2)
    def log10_(self): return _inplace(self, ops.elementwise.log10)
    def expm1_(self): return _inplace(self, ops.elementwise.expm1)
    def rsqrt_(self): return _inplace(self, ops.elementwise.rsqrt)
    def sin_(self): return _inplace(self, ops.elementwise.sin)
    def cos_(self): return _inplace(self, ops.elementwise.cos)
    def tan_(self): return _inplace(self, ops.elementwise.tan)
    def reciprocal_(self): return _inplace(self, ops.arithmetic.reciprocal)
    def square_(self): return _inplace(self, ops.arithmetic.square)
    def erf_(self): return _inplace(self, ops.special.erf)
    def negative_(self): return _inplace(self, ops.arithmetic.neg)
    def multiply_(self, other): return ops.inplace.mul_(self, other)
    def subtract_(self, other, alpha=1): return ops.inplace.sub_(self, other, alpha)
    def divide_(self, other): return ops.inplace.div_(self, other)
    def true_divide_(self, other): return ops.inplace.div_(self, other)
    def fmod_(self, other): return _inplace(self, lambda o: ops.pointwise.fmod(o, other), other)
    def remainder_(self, other):
        return _inplace(self, lambda o: ops.arithmetic.remainder(o, other), other)
    def cumsum_(self, dim): return _inplace(self, lambda o: ops.reduce.cumsum(o, dim))
    def cumprod_(self, dim): return _inplace(self, lambda o: ops.statistics.cumprod(o, dim))

    # --- shapes ------------------------------------------------------------------------------
    def ravel(self): return ops.reshaping.ravel(self)
    def tile(self, *dims): return ops.reshaping.tile(self, _size_args(dims))
    def roll(self, shifts, dims=None): return ops.reshaping.roll(self, shifts, dims)
    def rot90(self, k=1, dims=(0, 1)): return ops.reshaping.rot90(self, k, dims)
    def fliplr(self): return ops.reshaping.fliplr(self)
    def flipud(self): return ops.reshaping.flipud(self)
    def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
        return ops.reshaping.repeat_interleave(self, repeats, dim)
    def select(self, dim, index): return ops.reshaping.select(self, dim, index)
    def take(self, index): return ops.reshaping.take(self, index)
    def diff(self, n=1, dim=-1, prepend=None, append=None):
        return ops.reshaping.diff(self, n, dim, prepend, append)
    def tensor_split(self, indices_or_sections, dim=0):
        return ops.reshaping.tensor_split(self, indices_or_sections, dim)
    def hsplit(self, sections): return ops.reshaping.hsplit(self, sections)
    def vsplit(self, sections): return ops.reshaping.vsplit(self, sections)
    def dsplit(self, sections): return ops.reshaping.dsplit(self, sections)

    # --- statistics --------------------------------------------------------------------------
    def cumprod(self, dim, dtype=None): return ops.statistics.cumprod(self, dim, dtype=dtype)
    def cummax(self, dim): return ops.statistics.cummax(self, dim)
    def cummin(self, dim): return ops.statistics.cummin(self, dim)
    def logcumsumexp(self, dim): return ops.statistics.logcumsumexp(self, dim)
    def median(self, dim=None, keepdim=False): return ops.statistics.median(self, dim, keepdim)
    def kthvalue(self, k, dim=-1, keepdim=False):
        return ops.statistics.kthvalue(self, k, dim, keepdim)
    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return ops.statistics.quantile(self, q, dim, keepdim, interpolation=interpolation)
    def aminmax(self, *, dim=None, keepdim=False):
        return ops.statistics.aminmax(self, dim=dim, keepdim=keepdim)
    def bincount(self, weights=None, minlength=0):
        return ops.statistics.bincount(self, weights, minlength)
    def histc(self, bins=100, min=0, max=0): return ops.statistics.histc(self, bins, min, max)  # noqa: A002
    def cov(self, *, correction=1, fweights=None, aweights=None):
        return ops.statistics.cov(self, correction=correction, fweights=fweights,
                                  aweights=aweights)
    def corrcoef(self): return ops.statistics.corrcoef(self)

    # --- products ---------------------------------------------------------------------------
    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return ops.products.addmm(self, mat1, mat2, beta=beta, alpha=alpha)
    def addmv(self, mat, vec, *, beta=1, alpha=1):
        return ops.products.addmv(self, mat, vec, beta=beta, alpha=alpha)
    def addr(self, vec1, vec2, *, beta=1, alpha=1):
        return ops.products.addr(self, vec1, vec2, beta=beta, alpha=alpha)
    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return ops.products.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)
    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return ops.products.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)
    def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
        return _inplace(self, lambda o: ops.products.addmm(o, mat1, mat2, beta=beta, alpha=alpha),
                        mat1, mat2)
    def cross(self, other, dim=None): return ops.products.cross(self, other, dim)
    def kron(self, other): return ops.products.kron(self, other)
    def vdot(self, other): return ops.products.vdot(self, other)

    # --- writing along an index ------------------------------------------------------------
    def index_add(self, dim, index, source, *, alpha=1):
        return ops.index_ops.index_add(self, dim, index, source, alpha=alpha)
    def index_add_(self, dim, index, source, *, alpha=1):
        return _inplace(self, lambda o: ops.index_ops.index_add(o, dim, index, source,
                                                                alpha=alpha), source)
    def index_copy(self, dim, index, source):
        return ops.index_ops.index_copy(self, dim, index, source)
    def index_copy_(self, dim, index, source):
        return _inplace(self, lambda o: ops.index_ops.index_copy(o, dim, index, source), source)
    def index_fill(self, dim, index, value): return ops.index_ops.index_fill(self, dim, index, value)
    def index_fill_(self, dim, index, value):
        return _inplace(self, lambda o: ops.index_ops.index_fill(o, dim, index, value), value)
    def scatter_(self, dim, index, src, *, reduce=None):
        if reduce is not None:
            raise NotImplementedError("scatter_(reduce=...) is not supported yet; use "
                                      "scatter_add_ for reduce='add'")
        return _inplace(self, lambda o: ops.index.scatter(o, dim, index, src), src)
    def scatter_add_(self, dim, index, src):
        return _inplace(self, lambda o: ops.index.scatter_add(o, dim, index, src), src)
    def fill_diagonal_(self, fill_value, wrap=False):
        """Write ``fill_value`` on the main diagonal (all dims equal beyond 2-D, as torch)."""
        if self.ndim < 2 or (self.ndim > 2 and len(set(self.shape)) != 1):
            raise RuntimeError("all dimensions of input must be of equal length (or 2-D)")
        mask = np.zeros(self.shape, dtype=bool)
        rows, cols = self.shape[0], self.shape[1]
        if self.ndim == 2:
            step = cols + 1
            flat = mask.reshape(-1)
            end = flat.size if wrap else min(rows, cols) * cols
            flat[:end:step] = True
        else:
            np.fill_diagonal(mask, True)
        keep = ops._util.constant(mask, self)
        return _inplace(self, lambda o: ops.elementwise.where(keep, fill_value, o), fill_value)

    # --- new tensors like this one -------------------------------------------------------------
    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new(np.zeros, _size_args(size), dtype, device, requires_grad)
    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new(np.ones, _size_args(size), dtype, device, requires_grad)
    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return self._new(np.zeros, _size_args(size), dtype, device, requires_grad)
    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        from .creation import full  # noqa: PLC0415
        return full(tuple(size), fill_value, dtype=dtype or self.dtype,
                    device=device or self.device, requires_grad=requires_grad)
    def _new(self, make, size, dtype, device, requires_grad):
        from .creation import ones, zeros  # noqa: PLC0415
        fn = zeros if make is np.zeros else ones
        return fn(*size, dtype=dtype or self.dtype, device=device or self.device,
                  requires_grad=requires_grad)
    def type_as(self, other): return self.to(other.dtype)

    # --- memory and placement facts -------------------------------------------------------------
    def data_ptr(self):
        arr = self._data
        return int(arr.data.ptr) if hasattr(arr.data, "ptr") else \
            int(arr.__array_interface__["data"][0])
    @property
    def nbytes(self): return int(self._data.nbytes)
    @property
    def itemsize(self): return int(self._data.itemsize)
    @property
    def is_cpu(self): return self.device.type == "cpu"
    def get_device(self): return -1 if self.device.type == "cpu" else self.device.index
    def is_signed(self): return self._data.dtype.kind in "if"
    def is_complex(self): return self._data.dtype.kind == "c"
    def is_nonzero(self): return ops.predicates.is_nonzero(self)
    def is_same_size(self, other): return tuple(self.shape) == tuple(other.shape)

    # --- random --------------------------------------------------------------------------------
    def bernoulli(self, generator=None):
        from .creation import bernoulli  # noqa: PLC0415
        return bernoulli(self, generator=generator)
    def multinomial(self, num_samples, replacement=False, *, generator=None):
        from .creation import multinomial  # noqa: PLC0415
        return multinomial(self, num_samples, replacement, generator=generator)
    def random_(self, *bounds, generator=None):
        """Integers drawn uniformly from [from, to) (``random_(to)``, ``random_(from, to)``);
        with no bounds, from [0, 2**mantissa] for floats and the dtype's range for integers."""
        from .random import numpy_generator  # noqa: PLC0415
        kind = self._data.dtype
        if len(bounds) == 2:
            low, high = bounds
        elif len(bounds) == 1:
            low, high = 0, bounds[0]
        elif kind.kind == "f":
            low, high = 0, 2 ** (np.finfo(kind).nmant + 1) + 1
        elif kind.kind == "b":
            low, high = 0, 2
        else:
            low, high = 0, int(np.iinfo(kind).max) + 1
        return ops.inplace.random_fill_(
            self, lambda shape: numpy_generator(generator).integers(low, high, shape))
