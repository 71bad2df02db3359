"""Resizing: interpolate / upsample with modes 'nearest', 'nearest-exact', 'linear', 'bilinear'.

Each output coordinate ``dst`` along an axis maps back to a source coordinate,
with ``scale = in / out`` (or ``1 / scale_factor`` when a scale factor is given
and ``recompute_scale_factor`` is not True):

    nearest         src = min(floor(dst * scale), in - 1)
    nearest-exact   src = min(floor((dst + 0.5) * scale), in - 1)
    linear          align_corners=False: src = max((dst + 0.5) * scale - 0.5, 0)
                    align_corners=True:  src = dst * (in - 1) / (out - 1)
                    out = (1 - l) x[i0] + l x[i0 + 1],  i0 = floor(src), l = src - i0

Bilinear is linear interpolation along H, then along W. Interpolation along
one axis is a matrix product with an (out, in) matrix A (two non-zeros per
row), so y = A_h x A_w^T; the gradient is A_h^T g A_w, and any order of
derivative comes from the matmuls. An integer nearest upscale is a broadcast
(each pixel repeated k times), whose gradient is a sum over the k copies.
"""
import math
import numbers

import numpy as np

from ...backend import move_array
from ...ops._util import constant
from ...ops.index import getitem
from ...ops.linalg import matmul
from ...ops.shape import expand, reshape, transpose


def _nearest_index(in_size, out_size, scale, exact):
    """Torch's nearest source indices (computed in float32, as torch does)."""
    s = np.float32(scale)
    dst = np.arange(out_size, dtype=np.float32)
    src = np.floor(((dst + np.float32(0.5)) if exact else dst) * s).astype(np.int64)
    return np.minimum(src, in_size - 1)


def _linear_matrix(in_size, out_size, scale, align_corners, dtype):
    """(out, in) linear-interpolation matrix."""
    dst = np.arange(out_size, dtype=np.float64)
    if align_corners:
        src = dst * ((in_size - 1) / (out_size - 1) if out_size > 1 else 0.0)
    else:
        src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    i1 = np.minimum(i0 + 1, in_size - 1)
    lam = src - i0
    a = np.zeros((out_size, in_size))
    rows = np.arange(out_size)
    np.add.at(a, (rows, i0), 1.0 - lam)
    np.add.at(a, (rows, i1), lam)
    return a.astype(dtype)


def _nearest_axis(x, axis, index):
    """x resampled along ``axis`` (2 or 3 of a 4-D tensor) at the integer positions ``index``."""
    in_size, out_size = x._data.shape[axis], len(index)
    k = out_size // in_size
    if out_size == k * in_size and np.array_equal(index, np.arange(out_size) // k):
        # integer upscale: repeat every element k times, as a broadcast (cheap gradient: a sum)
        shape = list(x._data.shape)
        y = expand(reshape(x, shape[:axis + 1] + [1] + shape[axis + 1:]),
                   shape[:axis + 1] + [k] + shape[axis + 1:])
        return reshape(y, shape[:axis] + [out_size] + shape[axis + 1:])
    return getitem(x, (slice(None),) * axis + (move_array(index, x._device),))


def _sizes(name, x, size, scale_factor, recompute_scale_factor, dims):
    """Output sizes and the scales the source mapping uses (in / out, or 1 / scale_factor)."""
    spatial = x._data.shape[2:]
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{name}: exactly one of size and scale_factor must be given")
    if size is not None:
        out = (size,) * dims if isinstance(size, numbers.Integral) else tuple(size)
        if len(out) != dims:
            raise ValueError(f"{name}: size must have {dims} elements for a {dims + 2}-D input, "
                             f"got {size!r}")
        out = tuple(int(o) for o in out)
        scales = tuple(i / o for i, o in zip(spatial, out))
    else:
        sf = (scale_factor,) * dims if isinstance(scale_factor, numbers.Real) \
            else tuple(scale_factor)
        if len(sf) != dims:
            raise ValueError(f"{name}: scale_factor must have {dims} elements for a "
                             f"{dims + 2}-D input, got {scale_factor!r}")
        out = tuple(int(math.floor(i * float(f))) for i, f in zip(spatial, sf))
        scales = tuple(i / o for i, o in zip(spatial, out)) if recompute_scale_factor \
            else tuple(1.0 / float(f) for f in sf)
    if any(o < 1 for o in out):
        raise ValueError(f"{name}: output size {list(out)} must be positive "
                         f"(input size {list(spatial)})")
    return out, scales


def interpolate(input, size=None, scale_factor=None, mode="nearest",  # noqa: A002
                align_corners=None, recompute_scale_factor=None, antialias=False):
    """Resize a (N, C, L) or (N, C, H, W) tensor (see the module docstring for the maps).

    Args: size (int or tuple) or scale_factor (float or tuple), exactly one; mode:
    'nearest' (default), 'nearest-exact', 'linear' (3-D input), 'bilinear' (4-D input);
    align_corners (linear modes only; default False); recompute_scale_factor (use
    in/out rather than 1/scale_factor for the mapping).

    Example::

        F.interpolate(deepgrad.randn(1, 3, 8, 8), scale_factor=2, mode="bilinear").shape
        # (1, 3, 16, 16)
    """
    name = "interpolate"
    if antialias:
        raise NotImplementedError(f"{name}: antialias=True is not supported")
    ndim = input._data.ndim
    if ndim not in (3, 4):
        raise NotImplementedError(f"{name}: expected a 3-D (N, C, L) or 4-D (N, C, H, W) input, "
                                  f"got input of size {list(input.shape)}")
    linear = {"linear": 3, "bilinear": 4}
    if mode not in ("nearest", "nearest-exact") and mode not in linear:
        raise NotImplementedError(f"{name}: mode {mode!r} is not supported; use 'nearest', "
                                  f"'nearest-exact', 'linear' or 'bilinear'")
    if mode in linear and linear[mode] != ndim:
        raise ValueError(f"{name}: mode {mode!r} expects a {linear[mode]}-D input, got "
                         f"{ndim}-D input of size {list(input.shape)}")
    if align_corners is not None and mode not in linear:
        raise ValueError(f"{name}: align_corners option can only be set with the interpolating "
                         f"modes: linear | bilinear")
    dims = ndim - 2
    out, scales = _sizes(name, input, size, scale_factor, recompute_scale_factor, dims)
    x = input if dims == 2 else reshape(input, tuple(input.shape[:2]) + (1, input.shape[2]))
    if dims == 1:
        out, scales = (1,) + out, (1.0,) + scales
    spatial = x._data.shape[2:]
    if mode in linear:
        a_h, a_w = (constant(move_array(_linear_matrix(n, o, s, bool(align_corners),
                                                      x._data.dtype), x._device), x)
                    for n, o, s in zip(spatial, out, scales))
        y = matmul(x, transpose(a_w, 0, 1))          # along W: (N, C, H, Wo)
        if spatial[0] != out[0]:
            y = matmul(a_h, y)                         # along H: (N, C, Ho, Wo)
    else:
        exact = mode == "nearest-exact"
        y = x
        for axis, n, o, s in zip((2, 3), spatial, out, scales):
            if n != o or s != 1.0:
                y = _nearest_axis(y, axis, _nearest_index(n, o, s, exact))
    return y if dims == 2 else reshape(y, tuple(y.shape[:2]) + (out[1],))


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):  # noqa: A002
    """Deprecated torch alias of :func:`interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):  # noqa: A002
    """:func:`interpolate` with mode='nearest'."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):  # noqa: A002
    """:func:`interpolate` with mode='bilinear' and align_corners=True (torch's definition)."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
