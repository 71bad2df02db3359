"""Running and order statistics: cumprod, cummax/cummin, logcumsumexp, median, kthvalue,
quantile, aminmax, cov, corrcoef, and the counting helpers bincount, histc, bucketize,
searchsorted (which have no gradient).

The order statistics pick elements (a sort, then an index), so their gradient flows to the
picked element only, as in torch. cumprod is a primitive:

    y_i = prod_{j <= i} x_j
    dL/dx_k = sum_{i >= k} g_i * prod_{j <= i, j != k} x_j
            = (reverse cumsum of g * y)_k / x_k             when no x is 0,
            = P_{k-1} * S_k otherwise, with P the exclusive running product and
              S_k = g_k + x_{k+1} S_{k+1} (a backward recurrence, exact with zeros).
"""
from collections import namedtuple

import numpy as np

from ..autograd.function import ArrayFunction
from ..backend import as_array
from ._util import constant, to_tensor_like, wrap_dim
from . import compare as _compare
from . import elementwise as _elem
from . import index as _index
from . import reduce as _reduce
from . import shape as _shape

aminmax_result = namedtuple("aminmax", ["min", "max"])


class Cumprod(ArrayFunction):
    needs_output = True

    def forward(self, a, dim):
        self.dim = dim
        return np.cumprod(a, axis=dim)

    def backward(self, g):
        x, d = self.inputs[0], self.dim
        if x._data.size == 0:
            return g
        if not (x._data == 0).any():
            gy = _shape.flip(g * self.output(), d)
            return _shape.flip(_reduce.cumsum(gy, d), d) / x
        return _cumprod_grad_with_zeros(x, g, d)


def _cumprod_grad_with_zeros(x, g, d):
    n = x._data.shape[d]
    xs, gs = _shape.unbind(x, d), _shape.unbind(g, d)
    suffix = [None] * n                       # S_k = g_k + x_{k+1} S_{k+1}
    suffix[n - 1] = gs[n - 1]
    for k in range(n - 2, -1, -1):
        suffix[k] = gs[k] + xs[k + 1] * suffix[k + 1]
    grads, prefix = [], None                  # prefix = P_{k-1} = prod_{j < k} x_j
    for k in range(n):
        grads.append(suffix[k] if prefix is None else prefix * suffix[k])
        prefix = xs[k] if prefix is None else prefix * xs[k]
    return _shape.stack(grads, d)


def cumprod(input, dim, *, dtype=None):  # noqa: A002 - PyTorch's argument name
    """Running product along ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "bu" or input._data.dtype == np.int32:
        input = input.to(np.int64)
    return Cumprod.apply(input, dim=wrap_dim(dim, input._data.ndim))


def _running_extreme(input, dim, better):  # noqa: A002
    d = wrap_dim(dim, input._data.ndim)
    arr = input._data
    if arr.ndim == 0:
        return _reduce.values_indices(input, constant(np.zeros((), np.int64), input))
    run = better.accumulate(arr, axis=d)
    shape = [1] * arr.ndim
    shape[d] = arr.shape[d]
    positions = np.arange(arr.shape[d], like=arr).reshape(shape)
    # the latest position holding the running extreme (torch picks the last tie)
    hits = np.where(arr == run, positions, -1)
    idx = np.maximum.accumulate(hits, axis=d).astype(np.int64)
    idx_t = constant(idx, input)
    return _reduce.values_indices(_index.gather(input, d, idx_t), idx_t)


def cummax(input, dim):  # noqa: A002
    """(values, indices) of the running maximum along ``dim``."""
    return _running_extreme(input, dim, np.maximum)


def cummin(input, dim):  # noqa: A002
    return _running_extreme(input, dim, np.minimum)


def logcumsumexp(input, dim):  # noqa: A002
    """log(cumsum(exp(x))) along ``dim``, with each slice's maximum factored out."""
    d = wrap_dim(dim, input._data.ndim)
    x = _elem._float_input(input)
    m = constant(np.nan_to_num(np.max(x._data, axis=d, keepdims=True), neginf=0.0), x)
    return _elem.log(_reduce.cumsum(_elem.exp(x - m), d)) + m


def _sorted_pick(input, dim, position, keepdim):  # noqa: A002
    """(values, indices) of the element at sorted ``position`` along ``dim``."""
    d = wrap_dim(dim, input._data.ndim)
    order = constant(np.argsort(input._data, axis=d, kind="stable").astype(np.int64), input)
    idx = _shape.narrow(order, d, position, 1)
    values = _index.gather(input, d, idx)
    if not keepdim:
        values, idx = _shape.squeeze(values, d), _shape.squeeze(idx, d)
    return _reduce.values_indices(values, idx)


def median(input, dim=None, keepdim=False):  # noqa: A002
    """The lower median (element (n - 1) // 2 of the sorted values); with ``dim``, also its index."""
    if dim is None:
        flat = _shape.reshape(input, -1)
        n = flat._data.shape[0]
        if n == 0:
            return constant(np.asarray(np.nan, dtype=input._data.dtype), input)
        return _sorted_pick(flat, 0, (n - 1) // 2, False).values
    if input._data.ndim == 0:
        return _reduce.values_indices(input, constant(np.zeros((), np.int64), input))
    n = input._data.shape[wrap_dim(dim, input._data.ndim)]
    return _sorted_pick(input, dim, (n - 1) // 2, keepdim)


def kthvalue(input, k, dim=-1, keepdim=False):  # noqa: A002
    """The k-th smallest element (k counts from 1) along ``dim`` and its index."""
    n = input._data.shape[wrap_dim(dim, input._data.ndim)] if input._data.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}: "
                           f"k={k}, size={n}")
    return _sorted_pick(input, dim, k - 1, keepdim)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):  # noqa: A002
    """The q-quantiles (q in [0, 1], a number or a 1-D tensor) along ``dim`` (default: all).

    'linear' interpolates between the sorted neighbours at position q (n - 1); 'lower',
    'higher', 'nearest' and 'midpoint' are torch's other rules. A 1-D q adds a leading dim.
    """
    if interpolation not in ("linear", "lower", "higher", "nearest", "midpoint"):
        raise ValueError(f"quantile() interpolation must be one of linear, lower, higher, "
                         f"midpoint or nearest. Got {interpolation}")
    qs = q._data if hasattr(q, "_data") else np.asarray(q, dtype=np.float64)
    if qs.ndim > 1 or ((qs < 0) | (qs > 1)).any():
        raise RuntimeError("quantile() q must be a scalar or 1D tensor with values in [0, 1]")
    x = _shape.reshape(input, -1) if dim is None else input
    d = 0 if dim is None else wrap_dim(dim, input._data.ndim)
    ordered = _compare.sort(x, d).values
    n = x._data.shape[d]
    outs = []
    for qv in np.atleast_1d(qs).tolist():
        pos = qv * (n - 1)
        lo, hi = int(np.floor(pos)), int(np.ceil(pos))
        if interpolation == "nearest":
            lo = hi = int(np.round(pos))      # half to even, as torch
        elif interpolation == "lower":
            hi = lo
        elif interpolation == "higher":
            lo = hi
        a, b = _shape.narrow(ordered, d, lo, 1), _shape.narrow(ordered, d, hi, 1)
        frac = 0.5 if interpolation == "midpoint" else pos - lo
        val = a if lo == hi else a + (b - a) * frac
        if dim is None:
            val = _shape.reshape(val, (1,) * input._data.ndim if keepdim else ())
        elif not keepdim:
            val = _shape.squeeze(val, d)
        outs.append(val)
    return outs[0] if qs.ndim == 0 else _shape.stack(outs, 0)


def aminmax(input, *, dim=None, keepdim=False):  # noqa: A002
    """(min, max) in one call."""
    axes = () if dim is None else dim
    return aminmax_result(_reduce.amin(input, axes, keepdim), _reduce.amax(input, axes, keepdim))


def cov(input, *, correction=1, fweights=None, aweights=None):  # noqa: A002
    """Covariance of the variables in the rows of ``input`` (columns are observations)."""
    if fweights is not None or aweights is not None:
        raise NotImplementedError("cov(): fweights/aweights are not supported yet")
    x = input if input._data.ndim == 2 else _shape.reshape(input, 1, -1)
    x = _elem._float_input(x)
    n = x._data.shape[1]
    centred = x - _reduce.mean(x, 1, keepdim=True)
    c = (centred @ _shape.transpose(centred, 0, 1)) / max(n - correction, 0)
    return _shape.reshape(c, ()) if input._data.ndim < 2 else c


def corrcoef(input):  # noqa: A002
    """Pearson correlation of the rows, clipped to [-1, 1] as torch does."""
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    d = _elem.sqrt(_shape.reshape(_index.getitem(c, (np.arange(c.shape[0], like=c._data),) * 2), -1))
    r = c / _shape.unsqueeze(d, 1) / _shape.unsqueeze(d, 0)
    return _elem.clamp(r, -1.0, 1.0)


def bincount(input, weights=None, minlength=0):  # noqa: A002
    """Counts of each value 0..max of a 1-D non-negative integer tensor (weighted sums if given)."""
    arr = input._data
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs, got "
                           f"{input.dtype} of shape {tuple(arr.shape)}")
    if arr.size and arr.min().item() < 0:   # explicit sync for the check
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    w = None if weights is None else weights._data
    out = np.bincount(arr, weights=w, minlength=minlength)
    if w is None:
        out = out.astype(np.int64)
    elif w.dtype == np.float32:
        out = out.astype(np.float32)
    return constant(out, input)


def histc(input, bins=100, min=0, max=0):  # noqa: A002
    """Histogram of ``bins`` equal bins over [min, max] (the data's range if min == max)."""
    arr = input._data
    lo, hi = float(min), float(max)
    if lo == hi and arr.size:
        lo, hi = float(arr.min()), float(arr.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    counts, _ = np.histogram(arr, bins=bins, range=(lo, hi))
    return constant(counts.astype(arr.dtype), input)


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """Insertion indices of ``values`` into the last dim of ``sorted_sequence``."""
    side = side or ("right" if right else "left")
    seq = sorted_sequence._data
    vals = values._data if hasattr(values, "_data") else np.asarray(values)
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter._data, -1)
    if seq.ndim == 1:
        out = np.searchsorted(seq, vals, side=side)
    else:
        flat_seq, flat_vals = seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1])
        out = np.stack([np.searchsorted(s, v, side=side) for s, v in zip(flat_seq, flat_vals)])
        out = out.reshape(vals.shape)
    like = sorted_sequence
    return constant(as_array(out).astype(np.int32 if out_int32 else np.int64), like)


def bucketize(input, boundaries, *, out_int32=False, right=False):  # noqa: A002
    """The bucket index of each element: boundaries[i-1] < x <= boundaries[i] (right=False)."""
    x = input if hasattr(input, "_data") else to_tensor_like(input, boundaries)
    out = np.searchsorted(boundaries._data, x._data, side="right" if right else "left")
    return constant(as_array(out).astype(np.int32 if out_int32 else np.int64), x)
