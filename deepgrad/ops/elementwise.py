"""Elementwise functions of one tensor, plus clamp, where, maximum and minimum.

Each backward multiplies the incoming gradient by the local derivative:

    exp: e^x = y            log: 1/x              log1p: 1/(1+x)      expm1: y + 1
    sqrt: 1/(2y)            rsqrt: -y^3/2         abs: sign(x)        sin: cos x
    cos: -sin x             tan: 1 + y^2          tanh: 1 - y^2       sigmoid: y(1-y)
    relu: [x > 0]           clamp: [lo <= x <= hi]
    floor, ceil, round, trunc, sign: 0 almost everywhere

Ops that can express their derivative through their own output keep a weak
reference to it (``needs_output``) instead of recomputing.
"""
import numpy as np

from .. import dtypes
from .._layout import like_torch
from .._quiet import quiet_begin, quiet_end, quietly
from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ._util import constant, is_scalar, operands, scalar_operand, to_tensor_like, zero_scalar
from . import arithmetic as _arith
from . import compare as _compare
from . import convert as _convert


def _float_input(t):
    if t._data.dtype.kind == "f":
        return t

    return _convert.cast(t, dtypes.default_float_numpy())


class Exp(ArrayFunction):
    needs_output = True
    saves_inputs = False

    def forward(self, a):
        return quietly(np.exp, a)  # exp(1000) = inf, silently (as torch; see _quiet)

    def backward(self, g):
        return g * self.output()


class Log(ArrayFunction):
    def forward(self, a):
        return quietly(np.log, a)  # log(0) = -inf, log(-1) = nan, silently

    def backward(self, g):
        return g / self.inputs[0]


class Log1p(ArrayFunction):
    def forward(self, a):
        return quietly(np.log1p, a)

    def backward(self, g):
        return g / (self.inputs[0] + 1)


class Expm1(ArrayFunction):
    needs_output = True
    saves_inputs = False

    def forward(self, a):
        return np.expm1(a)

    def backward(self, g):
        return g * (self.output() + 1)


class Sqrt(ArrayFunction):
    needs_output = True
    saves_inputs = False

    def forward(self, a):
        return quietly(np.sqrt, a)

    def backward(self, g):
        return g / (self.output() * 2)


class Rsqrt(ArrayFunction):
    needs_output = True
    saves_inputs = False

    def forward(self, a):
        token = quiet_begin()  # rsqrt(0) = inf, silently
        try:
            return 1 / np.sqrt(a)
        finally:
            quiet_end(token)

    def backward(self, g):
        y = self.output()
        return g * (y * y * y) * -0.5


class Abs(ArrayFunction):
    def forward(self, a):
        return np.abs(a)

    def backward(self, g):
        return g * constant(np.sign(self.inputs[0]._data), g)


class Sin(ArrayFunction):
    def forward(self, a):
        return np.sin(a)

    def backward(self, g):
        return g * cos(self.inputs[0])


class Cos(ArrayFunction):
    def forward(self, a):
        return np.cos(a)

    def backward(self, g):
        return -g * sin(self.inputs[0])


class Tan(ArrayFunction):
    needs_output = True
    saves_inputs = False

    def forward(self, a):
        return np.tan(a)

    def backward(self, g):
        y = self.output()
        return g * (y * y + 1)


class Tanh(ArrayFunction):
    needs_output = True
    saves_inputs = False

    def forward(self, a):
        return np.tanh(a)

    def backward(self, g):
        y = self.output()
        return g * (1 - y * y)

    def backward_arrays(self, g):  # the same formula on raw arrays, for a plain backward
        y = self.output_array()
        return (_arith._mul(g, 1 - y * y),)


class Sigmoid(ArrayFunction):
    """sigmoid(x) = 1 / (1 + e^-x), computed without overflow for large |x|."""
    needs_output = True
    saves_inputs = False

    def forward(self, a):
        # e^-|x| never overflows. For x >= 0, sigmoid = 1 / (1 + e^-|x|); for x < 0 it is
        # e^x / (1 + e^x) = e^-|x| / (1 + e^-|x|). Both are e^min(x, 0) / (1 + e^-|x|):
        # one division and no select, 7 passes over the data, in place where possible
        # (a np.where of both forms made 9, with 5 temporaries).
        if a.dtype.kind != "f" or a.ndim == 0:  # (0-d: NumPy returns scalars, not arrays)
            e = np.exp(-np.abs(a))
            return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        den = np.abs(a)
        np.negative(den, out=den)
        np.exp(den, out=den)
        den += 1                      # 1 + e^-|x|
        out = np.minimum(a, 0)
        np.exp(out, out=out)          # e^min(x, 0): 1 for x >= 0, e^x = e^-|x| for x < 0
        out /= den
        return out

    def backward(self, g):
        y = self.output()
        return g * (y * (1 - y))

    def backward_arrays(self, g):  # the same formula on raw arrays, for a plain backward
        y = self.output_array()
        slope = 1 - y
        slope *= y  # y (1 - y), in place: one temporary fewer (0-d: NumPy rebinds)
        return (_arith._mul(g, slope),)


class Relu(ArrayFunction):
    needs_output = True
    saves_inputs = False

    def forward(self, a):
        if a.size >= _COMPILED_MIN_SIZE:
            out = _relu_compiled(a)
            if out is not None:
                return out
        if type(a) is np.ndarray and a.dtype.kind == "f":
            return np.maximum(a, zero_scalar(a.dtype))  # the bits of np.maximum(a, 0), cheaper
        return np.maximum(a, 0)

    def backward(self, g):
        return ReluBackward.apply(g, self.output())

    def backward_arrays(self, g):  # ReluBackward's forward, for a plain backward
        if g is self.__dict__.pop("gradient_masked", None):
            return (g,)  # a max-pool over this output applied [y > 0] already (_pool_ops.py)
        return (ReluBackward.forward(None, g, self.output_array()),)


# ReLU and its gradient as one compiled pass (deepgrad[fast]) from this many elements on
# (measured 1.2 ms against 2.3 for NumPy's three passes, mask, cast and product, on 1.4 M
# floats; large ones on all of deepgrad's threads); small tensors stay on NumPy, where
# numba's call overhead (microseconds) would dominate
_COMPILED_MIN_SIZE = 32768
_fast_kernels = []  # nn.functional._fast_kernels, imported on first use (nn imports ops)


def _fast():
    if not _fast_kernels:
        from ..nn.functional import _fast_kernels as fast  # noqa: PLC0415

        _fast_kernels.append(fast)
    return _fast_kernels[0]


def _relu_compiled(a):
    """np.maximum(a, 0) by a compiled loop with NumPy's exact results, or None (no numba)."""
    fast = _fast()
    # row-major inputs only: NumPy's result keeps another stride order, and so must we
    if not (fast.usable(a) and a.flags.c_contiguous and fast.kernel("relu") is not None):
        return None
    out = fast.buffer(a.shape, a.dtype)
    if not fast.run("relu", a.reshape(-1), out.reshape(-1), work=a.size):
        return None
    return out


def _relu_grad_compiled(g, y):
    """g * [y > 0] by a compiled loop with NumPy's exact results, or None (no numba)."""
    fast = _fast()
    # row-major inputs only: NumPy's product keeps another stride order, and so must we
    if not (fast.usable(g, y) and g.flags.c_contiguous and y.flags.c_contiguous and
            fast.kernel("relu_backward") is not None):
        return None
    out = fast.buffer(g.shape, g.dtype)
    if not fast.run("relu_backward", g.reshape(-1), y.reshape(-1), out.reshape(-1),
                    g.dtype.type(0), work=g.size):
        return None
    return out


class ReluBackward(ArrayFunction):
    """g * [y > 0]: one op instead of building a float mask and multiplying.

    Linear in g, so its own gradient is the same mask applied to the incoming one;
    the mask's derivative with respect to y is zero.
    """
    saves_inputs = False

    def forward(self, g, y):
        if g.size >= _COMPILED_MIN_SIZE and g.shape == y.shape:
            out = _relu_grad_compiled(g, y)
            if out is not None:
                return out
        # a float mask: multiplying float by bool takes NumPy's slower mixed-type loop
        if type(y) is np.ndarray and y.dtype.kind == "f":
            return g * (y > zero_scalar(y.dtype)).astype(g.dtype)  # a 0-d zero: cheaper than 0
        return g * (y > 0).astype(g.dtype)

    def backward(self, gg):
        return ReluBackward.apply(gg, self.inputs[1]), None


class Clamp(ArrayFunction):
    """clamp(x, lo, hi); the gradient passes where lo <= x <= hi (bounds included)."""

    def forward(self, a, lo, hi):
        self.lo, self.hi = lo, hi
        return np.clip(a, lo, hi)

    def backward(self, g):
        x = self.inputs[0]._data
        inside = np.ones_like(x, dtype=bool)
        if self.lo is not None:
            inside &= x >= self.lo
        if self.hi is not None:
            inside &= x <= self.hi
        return g * constant(inside.astype(g._data.dtype), g)


class ZeroGrad(ArrayFunction):
    """Piecewise-constant functions (floor, ceil, round, trunc, sign): derivative 0."""
    saves_inputs = False

    def forward(self, a, fn, **kw):
        return fn(a, **kw)

    def backward(self, g):
        return g * 0


class Where(ArrayFunction):
    """where(cond, a, b); the gradient goes to a where cond holds, to b elsewhere."""
    saves_inputs = False

    def forward(self, cond, a, b):
        self.cond = cond
        return np.where(cond, a, b)

    def backward(self, g):
        cond = self.cond
        _, a, b = self.inputs
        ga = gb = None
        if self.needs_input_grad[1]:
            ga = _arith.sum_to(g * constant(cond.astype(g._data.dtype), g), a.shape)
        if self.needs_input_grad[2]:
            gb = _arith.sum_to(g * constant((~cond).astype(g._data.dtype), g), b.shape)
        return None, ga, gb


class Maximum(ArrayFunction):
    """max(a, b) elementwise; at ties each input gets half the gradient (PyTorch's rule)."""

    def forward(self, a, b):
        out = np.maximum(a, b)
        if a.flags.c_contiguous and b.flags.c_contiguous:
            return out
        return like_torch(out, a, b)  # operands in other orders: torch's result order

    def backward(self, g):
        return _split_by(g, self.inputs, np.greater, self.needs_input_grad)


class Minimum(ArrayFunction):
    def forward(self, a, b):
        out = np.minimum(a, b)
        if a.flags.c_contiguous and b.flags.c_contiguous:
            return out
        return like_torch(out, a, b)

    def backward(self, g):
        return _split_by(g, self.inputs, np.less, self.needs_input_grad)


def _split_by(g, inputs, wins, needs):
    a, b = inputs
    x, y = np.broadcast_arrays(a._data, b._data)
    dtype = g._data.dtype
    share_a = wins(x, y).astype(dtype) + (x == y).astype(dtype) * 0.5
    ga = _arith.sum_to(g * constant(share_a, g), a.shape) if needs[0] else None
    gb = _arith.sum_to(g * constant(1 - share_a, g), b.shape) if needs[1] else None
    return ga, gb


def exp(x):
    return Exp.apply(_float_input(x))


def log(x):
    return Log.apply(_float_input(x))


def log1p(x):
    return Log1p.apply(_float_input(x))


def expm1(x):
    return Expm1.apply(_float_input(x))


def log2(x):
    return log(x) / float(np.log(2.0))


def log10(x):
    return log(x) / float(np.log(10.0))


def exp2(x):
    return _arith.pow(2.0, x)


def sqrt(x):
    return Sqrt.apply(_float_input(x))


def rsqrt(x):
    return Rsqrt.apply(_float_input(x))


def abs(x):  # noqa: A001 - PyTorch's name
    return Abs.apply(x)


def sin(x):
    return Sin.apply(_float_input(x))


def cos(x):
    return Cos.apply(_float_input(x))


def tan(x):
    return Tan.apply(_float_input(x))


def tanh(x):
    return Tanh.apply(_float_input(x))


def sigmoid(x):
    return Sigmoid.apply(_float_input(x))


def relu(x):
    return Relu.apply(x)


def _bound(v, name):
    if v is None or is_scalar(v):
        return v
    raise TypeError(f"clamp: {name} must be a number or None (tensor bounds: use maximum/minimum)")


def clamp(x, min=None, max=None):  # noqa: A002 - PyTorch's argument names
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if not is_scalar(min) and min is not None or not is_scalar(max) and max is not None:
        out = x
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    lo, hi = _bound(min, "min"), _bound(max, "max")
    if isinstance(lo, float) or isinstance(hi, float):
        x = _float_input(x)
    return Clamp.apply(x, lo=lo, hi=hi)


def sign(x):
    return ZeroGrad.apply(x, fn=np.sign)


def floor(x):
    return x if x._data.dtype.kind in "iub" else ZeroGrad.apply(x, fn=np.floor)


def ceil(x):
    return x if x._data.dtype.kind in "iub" else ZeroGrad.apply(x, fn=np.ceil)


def trunc(x):
    return x if x._data.dtype.kind in "iub" else ZeroGrad.apply(x, fn=np.trunc)


def round(x, decimals=0):  # noqa: A001 - PyTorch's name
    """Round half to even, as PyTorch (and NumPy) do."""
    if x._data.dtype.kind in "iub":
        return x
    return ZeroGrad.apply(x, fn=np.round, decimals=decimals)


def where(condition, x=None, y=None):
    """Elements of ``x`` where ``condition`` holds, else of ``y`` (broadcast together)."""
    if x is None and y is None:
        return _compare.nonzero(condition, as_tuple=True)
    cond = condition._data if hasattr(condition, "_data") else np.asarray(condition)
    if cond.dtype != np.bool_:
        cond = cond.astype(bool)
    if not hasattr(x, "_data") and not hasattr(y, "_data"):
        if not (is_scalar(x) and is_scalar(y)):
            raise TypeError(f"where: x and y must be tensors or Python scalars, got "
                            f"{type(x).__name__} and {type(y).__name__}")
        # torch.where(cond, 1, 0): each scalar is a 0-d tensor of its Python type's dtype
        # (bool, int64 or the default float), and the two are promoted as tensors
        device = getattr(condition, "device", None)
        x, y = Tensor(x, device=device), Tensor(y, device=device)
    like = x if hasattr(x, "_data") else y
    x, y = operands(to_tensor_like(x, like), to_tensor_like(y, like))
    cond_t = constant(cond, x)
    return Where.apply(cond_t, x, y)


def maximum(a, b):
    return Maximum.apply(*operands(a, b))


def minimum(a, b):
    return Minimum.apply(*operands(a, b))


def masked_fill(x, mask, value):
    """``x`` with ``value`` where ``mask`` is True (mask broadcasts to x's shape)."""
    m = mask._data if hasattr(mask, "_data") else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill only supports boolean masks, but got mask with dtype "
                           f"{m.dtype}")
    if hasattr(value, "_data"):
        if value._data.ndim != 0:
            raise RuntimeError("masked_fill only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s)")
    else:
        x, value = scalar_operand(x, value)
    value, x = operands(to_tensor_like(value, x), x)
    # torch's masked_fill fills a row-major clone of x
    x = x.contiguous()
    return Where.apply(constant(np.broadcast_to(m, x._data.shape), x), value, x)
