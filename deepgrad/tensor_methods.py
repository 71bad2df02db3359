"""Tensor methods and operators: each one line, delegating to the functional op in ``ops``.

Kept apart from ``tensor.py`` so that the core class stays readable. The ops
modules are reached through the ``ops`` package at call time because they import
``Tensor`` themselves.
"""
from . import ops
from .tensor_methods_more import TensorMethodsMore


class TensorMethods(TensorMethodsMore):
    __slots__ = ()

    # --- arithmetic operators ---------------------------------------------------------
    def __add__(self, other): return ops.arithmetic.add(self, other)
    def __radd__(self, other): return ops.arithmetic.add(other, self)
    def __sub__(self, other): return ops.arithmetic.sub(self, other)
    def __rsub__(self, other): return ops.arithmetic.sub(other, self)
    def __mul__(self, other): return ops.arithmetic.mul(self, other)
    def __rmul__(self, other): return ops.arithmetic.mul(other, self)
    def __truediv__(self, other): return ops.arithmetic.div(self, other)
    def __rtruediv__(self, other): return ops.arithmetic.div(other, self)
    def __floordiv__(self, other): return ops.arithmetic.floor_divide(self, other)
    def __rfloordiv__(self, other): return ops.arithmetic.floor_divide(other, self)
    def __mod__(self, other): return ops.arithmetic.remainder(self, other)
    def __pow__(self, other): return ops.arithmetic.pow(self, other)
    def __rpow__(self, other): return ops.arithmetic.pow(other, self)
    def __matmul__(self, other): return ops.linalg.matmul(self, other)
    def __rmatmul__(self, other): return ops.linalg.matmul(other, self)
    def __neg__(self): return ops.arithmetic.neg(self)
    def __pos__(self): return self
    def __abs__(self): return ops.elementwise.abs(self)

    def __format__(self, format_spec):
        # as torch: a 0-d tensor formats as its Python number (f"{loss:.4f}"); any other
        # tensor formats as str() for an empty spec and rejects a non-empty one
        if self.ndim == 0:
            return self.item().__format__(format_spec)
        if format_spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return str(self)
    def __iadd__(self, other): return ops.inplace.add_(self, other)
    def __isub__(self, other): return ops.inplace.sub_(self, other)
    def __imul__(self, other): return ops.inplace.mul_(self, other)
    def __itruediv__(self, other): return ops.inplace.div_(self, other)

    # --- comparisons and logic (bool results) -----------------------------------------
    def __eq__(self, other): return ops.compare.eq(self, other)
    def __ne__(self, other): return ops.compare.ne(self, other)
    def __lt__(self, other): return ops.compare.lt(self, other)
    def __le__(self, other): return ops.compare.le(self, other)
    def __gt__(self, other): return ops.compare.gt(self, other)
    def __ge__(self, other): return ops.compare.ge(self, other)
    def __and__(self, other): return ops.compare.logical_and(self, other)
    def __or__(self, other): return ops.compare.logical_or(self, other)
    def __xor__(self, other): return ops.compare.logical_xor(self, other)
    def __invert__(self): return ops.compare.bitwise_not(self)
    def eq(self, other): return ops.compare.eq(self, other)
    def ne(self, other): return ops.compare.ne(self, other)
    def lt(self, other): return ops.compare.lt(self, other)
    def le(self, other): return ops.compare.le(self, other)
    def gt(self, other): return ops.compare.gt(self, other)
    def ge(self, other): return ops.compare.ge(self, other)
    def logical_and(self, other): return ops.compare.logical_and(self, other)
    def logical_or(self, other): return ops.compare.logical_or(self, other)
    def logical_not(self): return ops.compare.logical_not(self)
    def isnan(self): return ops.compare.isnan(self)
    def isinf(self): return ops.compare.isinf(self)
    def isfinite(self): return ops.compare.isfinite(self)
    def allclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
        return ops.compare.allclose(self, other, rtol, atol, equal_nan)
    def equal(self, other): return ops.compare.equal(self, other)
    def nonzero(self, as_tuple=False): return ops.compare.nonzero(self, as_tuple)
    def sort(self, dim=-1, descending=False): return ops.compare.sort(self, dim, descending)
    def argsort(self, dim=-1, descending=False): return ops.compare.argsort(self, dim, descending)
    def topk(self, k, dim=-1, largest=True, sorted=True):
        return ops.compare.topk(self, k, dim, largest, sorted)
    def unique(self, sorted=True, return_inverse=False, return_counts=False):
        return ops.compare.unique(self, sorted, return_inverse, return_counts)

    # --- named arithmetic -------------------------------------------------------------
    def add(self, other, alpha=1): return ops.arithmetic.add(self, other, alpha=alpha)
    def sub(self, other, alpha=1): return ops.arithmetic.sub(self, other, alpha=alpha)
    def mul(self, other): return ops.arithmetic.mul(self, other)
    def div(self, other, rounding_mode=None): return ops.arithmetic.div(self, other, rounding_mode)
    def pow(self, exponent): return ops.arithmetic.pow(self, exponent)
    def neg(self): return ops.arithmetic.neg(self)
    def square(self): return ops.arithmetic.square(self)
    def reciprocal(self): return ops.arithmetic.reciprocal(self)
    def remainder(self, other): return ops.arithmetic.remainder(self, other)
    def lerp(self, end, weight): return ops.arithmetic.lerp(self, end, weight)
    def addcmul(self, t1, t2, value=1): return ops.arithmetic.addcmul(self, t1, t2, value)
    def addcdiv(self, t1, t2, value=1): return ops.arithmetic.addcdiv(self, t1, t2, value)

    # --- elementwise functions --------------------------------------------------------
    def exp(self): return ops.elementwise.exp(self)
    def log(self): return ops.elementwise.log(self)
    def log1p(self): return ops.elementwise.log1p(self)
    def expm1(self): return ops.elementwise.expm1(self)
    def log2(self): return ops.elementwise.log2(self)
    def log10(self): return ops.elementwise.log10(self)
    def sqrt(self): return ops.elementwise.sqrt(self)
    def rsqrt(self): return ops.elementwise.rsqrt(self)
    def abs(self): return ops.elementwise.abs(self)
    def sign(self): return ops.elementwise.sign(self)
    def sin(self): return ops.elementwise.sin(self)
    def cos(self): return ops.elementwise.cos(self)
    def tan(self): return ops.elementwise.tan(self)
    def tanh(self): return ops.elementwise.tanh(self)
    def sigmoid(self): return ops.elementwise.sigmoid(self)
    def relu(self): return ops.elementwise.relu(self)
    def floor(self): return ops.elementwise.floor(self)
    def ceil(self): return ops.elementwise.ceil(self)
    def trunc(self): return ops.elementwise.trunc(self)
    def round(self, decimals=0): return ops.elementwise.round(self, decimals)
    def clamp(self, min=None, max=None): return ops.elementwise.clamp(self, min, max)
    def clip(self, min=None, max=None): return ops.elementwise.clamp(self, min, max)
    def maximum(self, other): return ops.elementwise.maximum(self, other)
    def minimum(self, other): return ops.elementwise.minimum(self, other)
    def where(self, condition, other): return ops.elementwise.where(condition, self, other)
    def masked_fill(self, mask, value): return ops.elementwise.masked_fill(self, mask, value)

    # --- reductions -------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, dtype=None):
        return ops.reduce.sum(self, dim, keepdim, dtype)
    def mean(self, dim=None, keepdim=False, dtype=None):
        return ops.reduce.mean(self, dim, keepdim, dtype)
    def prod(self, dim=None, keepdim=False, dtype=None):
        return ops.reduce.prod(self, dim, keepdim, dtype)
    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return ops.reduce.var(self, dim, unbiased, keepdim, correction=correction)
    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return ops.reduce.std(self, dim, unbiased, keepdim, correction=correction)
    def max(self, dim=None, keepdim=False): return ops.reduce.max(self, dim, keepdim)
    def min(self, dim=None, keepdim=False): return ops.reduce.min(self, dim, keepdim)
    def amax(self, dim=(), keepdim=False): return ops.reduce.amax(self, dim, keepdim)
    def amin(self, dim=(), keepdim=False): return ops.reduce.amin(self, dim, keepdim)
    def argmax(self, dim=None, keepdim=False): return ops.reduce.argmax(self, dim, keepdim)
    def argmin(self, dim=None, keepdim=False): return ops.reduce.argmin(self, dim, keepdim)
    def logsumexp(self, dim, keepdim=False): return ops.reduce.logsumexp(self, dim, keepdim)
    def norm(self, p="fro", dim=None, keepdim=False): return ops.reduce.norm(self, p, dim, keepdim)
    def cumsum(self, dim, dtype=None): return ops.reduce.cumsum(self, dim, dtype)
    def softmax(self, dim, dtype=None): return ops.softmax.softmax(self, dim, dtype)
    def log_softmax(self, dim, dtype=None): return ops.softmax.log_softmax(self, dim, dtype)
    def all(self, dim=None, keepdim=False): return ops.reduce.all(self, dim, keepdim)
    def any(self, dim=None, keepdim=False): return ops.reduce.any(self, dim, keepdim)
    def count_nonzero(self, dim=None): return ops.reduce.count_nonzero(self, dim)

    # --- linear algebra ---------------------------------------------------------------
    def matmul(self, other): return ops.linalg.matmul(self, other)
    def mm(self, other): return ops.linalg.mm(self, other)
    def bmm(self, other): return ops.linalg.bmm(self, other)
    def mv(self, vec): return ops.linalg.mv(self, vec)
    def dot(self, other): return ops.linalg.dot(self, other)
    def outer(self, other): return ops.linalg.outer(self, other)

    # --- shape --------------------------------------------------------------------------
    def reshape(self, *shape): return ops.shape.reshape(self, *shape)
    def view(self, *shape): return ops.shape.view(self, *shape)
    def view_as(self, other): return ops.shape.reshape(self, other.shape)
    def reshape_as(self, other): return ops.shape.reshape(self, other.shape)
    def flatten(self, start_dim=0, end_dim=-1): return ops.shape.flatten(self, start_dim, end_dim)
    def unflatten(self, dim, sizes): return ops.shape.unflatten(self, dim, sizes)
    def squeeze(self, dim=None): return ops.shape.squeeze(self, dim)
    def unsqueeze(self, dim): return ops.shape.unsqueeze(self, dim)
    def permute(self, *dims): return ops.shape.permute(self, *dims)
    def transpose(self, dim0, dim1): return ops.shape.transpose(self, dim0, dim1)
    def swapaxes(self, dim0, dim1): return ops.shape.transpose(self, dim0, dim1)
    def movedim(self, source, destination): return ops.shape.movedim(self, source, destination)
    def t(self): return ops.shape.t(self)
    @property
    def T(self): return ops.shape.permute(self, tuple(range(self.ndim))[::-1])
    @property
    def mT(self): return ops.shape.transpose(self, -2, -1)
    def expand(self, *shape): return ops.shape.expand(self, *shape)
    def expand_as(self, other): return ops.shape.expand_as(self, other)
    def repeat(self, *sizes): return ops.shape.repeat(self, *sizes)
    def split(self, split_size, dim=0): return ops.shape.split(self, split_size, dim)
    def chunk(self, chunks, dim=0): return ops.shape.chunk(self, chunks, dim)
    def unbind(self, dim=0): return ops.shape.unbind(self, dim)
    def flip(self, *dims):
        return ops.shape.flip(self, dims[0] if len(dims) == 1 else dims)
    def narrow(self, dim, start, length): return ops.shape.narrow(self, dim, start, length)

    # --- indexing ---------------------------------------------------------------------
    def __getitem__(self, index): return ops.index.getitem(self, index)
    def __setitem__(self, index, value): ops.index.setitem(self, index, value)
    def gather(self, dim, index): return ops.index.gather(self, dim, index)
    def scatter_add(self, dim, index, src): return ops.index.scatter_add(self, dim, index, src)
    def scatter(self, dim, index, src): return ops.index.scatter(self, dim, index, src)
    def index_select(self, dim, index): return ops.index.index_select(self, dim, index)
    def masked_select(self, mask): return ops.index.masked_select(self, mask)
    def take_along_dim(self, indices, dim): return ops.index.take_along_dim(self, indices, dim)

    # --- copies ------------------------------------------------------------------------
    def clone(self): return ops.convert.clone(self)

    # --- in place (bump the version counter) ------------------------------------------
    def add_(self, other, alpha=1): return ops.inplace.add_(self, other, alpha)
    def sub_(self, other, alpha=1): return ops.inplace.sub_(self, other, alpha)
    def mul_(self, other): return ops.inplace.mul_(self, other)
    def div_(self, other): return ops.inplace.div_(self, other)
    def pow_(self, exponent): return ops.inplace.pow_(self, exponent)
    def clamp_(self, min=None, max=None): return ops.inplace.clamp_(self, min, max)
    def clip_(self, min=None, max=None): return ops.inplace.clamp_(self, min, max)
    def zero_(self): return ops.inplace.zero_(self)
    def fill_(self, value): return ops.inplace.fill_(self, value)
    def copy_(self, src, non_blocking=False): return ops.inplace.copy_(self, src)
    def relu_(self): return ops.inplace.apply_unary_(self, ops.elementwise.relu)
    def exp_(self): return ops.inplace.apply_unary_(self, ops.elementwise.exp)
    def sqrt_(self): return ops.inplace.apply_unary_(self, ops.elementwise.sqrt)
    def neg_(self): return ops.inplace.apply_unary_(self, ops.arithmetic.neg)
    def sigmoid_(self): return ops.inplace.apply_unary_(self, ops.elementwise.sigmoid)
    def tanh_(self): return ops.inplace.apply_unary_(self, ops.elementwise.tanh)
    def masked_fill_(self, mask, value):
        return ops.inplace.inplace(self, lambda old: ops.elementwise.masked_fill(old, mask, value),
                                   value)
    def addcmul_(self, t1, t2, value=1):
        return ops.inplace.inplace(self, lambda old: ops.arithmetic.addcmul(old, t1, t2, value),
                                   t1, t2)
    def addcdiv_(self, t1, t2, value=1):
        return ops.inplace.inplace(self, lambda old: ops.arithmetic.addcdiv(old, t1, t2, value),
                                   t1, t2)
    def lerp_(self, end, weight):
        return ops.inplace.inplace(self, lambda old: ops.arithmetic.lerp(old, end, weight),
                                   end, weight)

    def uniform_(self, a=0.0, b=1.0, generator=None):
        from .random import numpy_generator  # noqa: PLC0415
        return ops.inplace.random_fill_(
            self, lambda shape: numpy_generator(generator).uniform(a, b, shape))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        from .random import numpy_generator  # noqa: PLC0415
        return ops.inplace.random_fill_(
            self, lambda shape: numpy_generator(generator).normal(mean, std, shape))

    def bernoulli_(self, p=0.5, generator=None):
        from .random import numpy_generator  # noqa: PLC0415
        return ops.inplace.random_fill_(
            self, lambda shape: (numpy_generator(generator).random(shape) < p).astype(float))

    def exponential_(self, lambd=1.0, generator=None):
        from .random import numpy_generator  # noqa: PLC0415
        return ops.inplace.random_fill_(
            self, lambda shape: numpy_generator(generator).exponential(1.0 / lambd, shape))
