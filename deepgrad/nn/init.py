"""``deepgrad.nn.init``: fill a weight tensor in place with a chosen random distribution.

Why it matters: with n inputs per unit, the variance of a unit's pre-activation is
n * Var(w) * Var(x). Keeping that near Var(x) layer after layer (neither exploding
nor vanishing) gives the classic rules, with ``fan_in`` = inputs per output unit and
``fan_out`` = outputs per input unit (for a conv weight (out, in, kh, kw):
fan_in = in*kh*kw, fan_out = out*kh*kw):

    xavier / glorot (tanh, sigmoid):  Var(w) = gain^2 * 2 / (fan_in + fan_out)
    kaiming / he (relu family):       Var(w) = gain^2 / fan          (fan = fan_in or fan_out)
    lecun (selu, linear):             Var(w) = 1 / fan_in

A uniform U(-b, b) has variance b^2/3, so the uniform versions use b = sqrt(3) * std.

Every function modifies ``tensor`` in place without recording gradients, returns it,
and accepts ``generator=`` (a deepgrad.Generator) for reproducible draws.

Example::

    w = deepgrad.empty(256, 128)
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
"""
import math
import warnings

import numpy as np

from ..backend import move_array
from ..random import numpy_generator

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_", "sparse_", "lecun_uniform_", "lecun_normal_"]


def _write(tensor, values):
    """Store ``values`` (a NumPy array or number) into ``tensor`` in place, no autograd."""
    arr = tensor._data
    if isinstance(values, np.ndarray):
        values = move_array(values.astype(arr.dtype, copy=False), tensor._device)
    arr[...] = values
    tensor._vc[0] += 1
    return tensor


def _shape(tensor):
    return tuple(tensor._data.shape)


def calculate_gain(nonlinearity, param=None):
    """The factor by which to scale std for a nonlinearity (PyTorch's values).

    linear, conv*, sigmoid: 1;  tanh: 5/3;  relu: sqrt(2);  selu: 3/4;
    leaky_relu(slope=param, default 0.01): sqrt(2 / (1 + slope^2)).
    """
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    shape = _shape(tensor)
    if len(shape) < 2:
        raise ValueError(f"Fan in and fan out can not be computed for tensor with fewer than 2 "
                         f"dimensions (got shape {list(shape)})")
    receptive = 1
    for s in shape[2:]:
        receptive *= s
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b)."""
    return _write(tensor, numpy_generator(generator).uniform(a, b, _shape(tensor)))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std^2)."""
    return _write(tensor, numpy_generator(generator).normal(mean, std, _shape(tensor)))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std^2) truncated to [a, b] (absolute bounds, as in PyTorch).

    Drawn by rejection: values outside [a, b] are redrawn until all are inside.
    """
    if not a < b:
        raise ValueError(f"trunc_normal_: need a < b, got a={a}, b={b}")
    rng = numpy_generator(generator)
    out = rng.normal(mean, std, _shape(tensor))
    for _ in range(1000):
        bad = (out < a) | (out > b)
        n = int(bad.sum())
        if n == 0:
            return _write(tensor, out)
        out[bad] = rng.normal(mean, std, n)
    raise ValueError(f"trunc_normal_: the interval [{a}, {b}] holds almost no mass of "
                     f"N({mean}, {std}^2)")


def constant_(tensor, val):
    """Fill with the number ``val``."""
    return _write(tensor, val)


def ones_(tensor):
    return _write(tensor, 1)


def zeros_(tensor):
    return _write(tensor, 0)


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal)."""
    if tensor.ndim != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported, got {tensor.ndim}")
    return _write(tensor, np.eye(*_shape(tensor)))


def dirac_(tensor, groups=1):
    """Fill a 3/4/5-D conv weight so that the convolution is the identity (per group):
    w[g*out_g + d, d, center...] = 1 for d < min(out_g, in)."""
    shape = _shape(tensor)
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"Only tensors with 3, 4, or 5 dimensions are supported, got "
                         f"{len(shape)}")
    if shape[0] % groups != 0:
        raise ValueError(f"dim 0 ({shape[0]}) must be divisible by groups ({groups})")
    out_per_group = shape[0] // groups
    vals = np.zeros(shape)
    center = tuple(s // 2 for s in shape[2:])
    for g in range(groups):
        for d in range(min(out_per_group, shape[1])):
            vals[(g * out_per_group + d, d) + center] = 1
    return _write(tensor, vals)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot uniform: U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot normal: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def _empty_warning(tensor):
    if tensor._data.size == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He uniform: U(-b, b), b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).

    ``a`` is the negative slope of the leaky ReLU that follows. Linear and Conv use
    ``a=sqrt(5)`` by default, which gives b = 1 / sqrt(fan_in).
    """
    if _empty_warning(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def default_layer_init_(weight, bias=None):
    """PyTorch's default initialisation of Linear and Conv layers.

    weight ~ kaiming_uniform_(a=sqrt(5)), which is U(-1/sqrt(fan_in), 1/sqrt(fan_in));
    bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with the weight's fan_in (zeros if 0).
    """
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He normal: N(0, std^2), std = gain / sqrt(fan)."""
    if _empty_warning(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def lecun_uniform_(tensor, generator=None):
    """LeCun uniform (deepgrad's own, as in Keras): U(-b, b), b = sqrt(3 / fan_in).
    Pairs with SELU (self-normalising networks)."""
    bound = math.sqrt(3.0 / _fan(tensor, "fan_in"))
    return uniform_(tensor, -bound, bound, generator)


def lecun_normal_(tensor, generator=None):
    """LeCun normal (deepgrad's own): N(0, 1 / fan_in), untruncated."""
    return normal_(tensor, 0.0, 1.0 / math.sqrt(_fan(tensor, "fan_in")), generator)


def orthogonal_(tensor, gain=1.0, generator=None):
    """Fill with a (semi-)orthogonal matrix: the Q of the QR decomposition of a Gaussian
    matrix, made unique (and uniformly distributed) by multiplying each column by the sign
    of R's diagonal. Dims after the first are flattened. Saxe et al. 2013."""
    shape = _shape(tensor)
    if len(shape) < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor._data.size == 0:
        return tensor
    rows = shape[0]
    cols = tensor._data.size // rows
    flat = numpy_generator(generator).normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _write(tensor, gain * q.reshape(shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Fill a 2-D tensor with N(0, std^2), then zero ceil(sparsity * rows) random entries in
    every column (Martens 2010)."""
    shape = _shape(tensor)
    if len(shape) != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported, got {len(shape)}")
    rows, cols = shape
    rng = numpy_generator(generator)
    vals = rng.normal(0.0, std, shape)
    n_zeros = int(math.ceil(sparsity * rows))
    for c in range(cols):
        vals[rng.permutation(rows)[:n_zeros], c] = 0
    return _write(tensor, vals)
