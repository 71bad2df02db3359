"""Image transforms, as torchvision's: ``Compose``, ``ToTensor``, ``Normalize``, ``Lambda``,
``RandomCrop``, ``RandomHorizontalFlip``, ``RandomAffine`` and ``GaussianNoise``.

``ToTensor`` turns a uint8 image (H, W) or (H, W, C) into a float tensor (C, H, W) in [0, 1];
the other transforms work on tensors (or NumPy arrays) laid out ``(..., H, W)``, as
torchvision's tensor transforms, so put them after ``ToTensor``. Random transforms take an
optional ``generator`` (a ``deepgrad.Generator``); without one they draw from the global
generator, so ``deepgrad.manual_seed`` makes them reproducible.

Example::

    t = Compose([ToTensor(), RandomCrop(32, padding=4), RandomHorizontalFlip(),
                 Normalize((0.49, 0.48, 0.45), (0.25, 0.24, 0.26))])
"""
import math
import numbers

import numpy as np

from .. import dtypes
from ..backend import CPU, array_module, device_of_array, move_array
from ..random import numpy_generator
from ..tensor import Tensor


def _unwrap(x):
    """(raw array, rewrap function) for a Tensor or an array-like."""
    if isinstance(x, Tensor):
        dev = x._device
        return x._data, (lambda a: Tensor._make(a, dev))
    return np.asarray(x), (lambda a: a)


def _check_image(arr, name):
    if arr.ndim < 2:
        raise ValueError(f"{name}: expected an image of shape (..., H, W), got shape "
                         f"{tuple(arr.shape)}")


class Compose:
    """Apply transforms one after the other: ``Compose([f, g])(x) == g(f(x))``."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self):
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose({inner}\n)"


class Lambda:
    """Wrap any function as a transform."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda needs a callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, x):
        return self.lambd(x)


class ToTensor:
    """HWC (or HW) array -> CHW float tensor; uint8 values are divided by 255 (to [0, 1]).

    Other dtypes keep their values and dtype (as torchvision). The result is a new array.
    """

    def __call__(self, pic):
        if isinstance(pic, Tensor):
            raise TypeError("ToTensor: pic should be a NumPy array (H, W[, C]), got a Tensor")
        arr = np.asarray(pic)
        if arr.ndim not in (2, 3):
            raise ValueError(f"ToTensor: pic should be 2 or 3 dimensional (H, W[, C]), got "
                             f"{arr.ndim} dimensions")
        if arr.ndim == 2:
            arr = arr[:, :, None]
        chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
        if chw.dtype == np.uint8:
            # divide by a Python float: stays in the default float dtype (as torchvision's div)
            chw = chw.astype(dtypes.default_float_numpy()) / 255.0
        return Tensor._make(chw, CPU)

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """``out[c] = (x[c] - mean[c]) / std[c]`` for each channel ``c`` (dimension -3).

    A single mean/std applies to every element, whatever the shape (handy for 1-D signals).
    """

    def __init__(self, mean, std, inplace=False):
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if self.mean.ndim != 1 or self.std.ndim != 1 or len(self.mean) != len(self.std):
            raise ValueError(f"Normalize: mean and std must be sequences of the same length, got "
                             f"{len(self.mean)} and {len(self.std)} values")
        if (self.std == 0).any():
            raise ValueError(f"Normalize: std evaluates to zero ({self.std.tolist()}), leading "
                             "to division by zero")
        self.inplace = inplace

    def __call__(self, x):
        arr, wrap = _unwrap(x)
        if arr.dtype.kind != "f":
            raise TypeError(f"Normalize: input should be a float tensor, got {arr.dtype}")
        c = len(self.mean)
        if c > 1 and (arr.ndim < 3 or arr.shape[-3] != c):
            raise ValueError(f"Normalize: {c} means/stds need an input (..., {c}, H, W), got "
                             f"shape {tuple(arr.shape)}")
        xp = array_module(x._device) if isinstance(x, Tensor) else np
        shape = (c, 1, 1) if c > 1 else (1,)
        mean = xp.asarray(self.mean.reshape(shape), dtype=arr.dtype)
        std = xp.asarray(self.std.reshape(shape), dtype=arr.dtype)
        if self.inplace:
            arr -= mean
            arr /= std
            if isinstance(x, Tensor):
                x._vc[0] += 1
            return x
        return wrap((arr - mean) / std)

    def __repr__(self):
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


def _pad_widths(padding):
    """torchvision's padding forms -> (left, top, right, bottom)."""
    if isinstance(padding, numbers.Integral):
        return (int(padding),) * 4
    p = tuple(int(v) for v in padding)
    if len(p) == 2:
        return (p[0], p[1], p[0], p[1])
    if len(p) == 4:
        return p
    raise ValueError(f"padding must be an int or a sequence of 2 or 4 ints, got {padding}")


def _pad_image(arr, left, top, right, bottom, mode, fill):
    xp = array_module(device_of_array(arr))
    widths = [(0, 0)] * (arr.ndim - 2) + [(top, bottom), (left, right)]
    if mode == "constant":
        return xp.pad(arr, widths, mode="constant", constant_values=fill)
    return xp.pad(arr, widths, mode=mode)


class RandomCrop:
    """Crop a random ``size`` window (after optional padding).

    Args:
        size: int or (h, w).
        padding: int, (left/right, top/bottom) or (left, top, right, bottom). Default None.
        pad_if_needed (bool): pad images smaller than ``size``.
        fill: value for constant padding. padding_mode: 'constant', 'edge', 'reflect' or
            'symmetric'.
        generator: ``deepgrad.Generator`` for the window position.

    The top-left corner is uniform: ``i ~ U{0..H-h}``, ``j ~ U{0..W-w}``.
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant",
                 generator=None):
        self.size = (int(size), int(size)) if isinstance(size, numbers.Integral) else tuple(size)
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError(f"padding_mode must be constant, edge, reflect or symmetric, got "
                             f"{padding_mode!r}")
        self.padding = None if padding is None else _pad_widths(padding)
        self.pad_if_needed, self.fill, self.padding_mode = pad_if_needed, fill, padding_mode
        self.generator = generator

    def __call__(self, img):
        arr, wrap = _unwrap(img)
        _check_image(arr, "RandomCrop")
        if self.padding is not None:
            arr = _pad_image(arr, *self.padding, self.padding_mode, self.fill)
        th, tw = self.size
        if self.pad_if_needed:
            dh, dw = max(th - arr.shape[-2], 0), max(tw - arr.shape[-1], 0)
            if dh or dw:
                arr = _pad_image(arr, dw, dh, dw, dh, self.padding_mode, self.fill)
        h, w = arr.shape[-2:]
        if h < th or w < tw:
            raise ValueError(f"RandomCrop: required crop size {(th, tw)} is larger than the "
                             f"input image size {(h, w)}")
        rng = numpy_generator(self.generator)
        i, j = int(rng.integers(0, h - th + 1)), int(rng.integers(0, w - tw + 1))
        return wrap(arr[..., i:i + th, j:j + tw].copy())

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror the image left-right (last dimension) with probability ``p``."""

    def __init__(self, p=0.5, generator=None):
        if not 0 <= p <= 1:
            raise ValueError(f"p must be in [0, 1], got {p}")
        self.p, self.generator = p, generator

    def __call__(self, img):
        arr, wrap = _unwrap(img)
        if numpy_generator(self.generator).random() < self.p:
            return wrap(arr[..., ::-1].copy())
        return img

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


class GaussianNoise:
    """Add ``N(mean, sigma^2)`` noise to every element; ``clip`` clamps the result to [0, 1]."""

    def __init__(self, mean=0.0, sigma=0.1, clip=True, generator=None):
        if sigma < 0:
            raise ValueError(f"sigma must be non-negative, got {sigma}")
        self.mean, self.sigma, self.clip, self.generator = float(mean), float(sigma), clip, generator

    def __call__(self, x):
        arr, wrap = _unwrap(x)
        if arr.dtype.kind != "f":
            raise TypeError(f"GaussianNoise: input should be a float tensor, got {arr.dtype}")
        noise = numpy_generator(self.generator).normal(self.mean, self.sigma, size=arr.shape)
        out = arr + move_array(noise.astype(arr.dtype), x._device if isinstance(x, Tensor) else CPU)
        if self.clip:
            out = out.clip(0.0, 1.0)
        return wrap(out)

    def __repr__(self):
        return f"GaussianNoise(mean={self.mean}, sigma={self.sigma}, clip={self.clip})"


def _range(value, name, center=0.0):
    """A number ``v`` means the range (center - v, center + v); a pair is taken as is."""
    if isinstance(value, numbers.Real):
        if value < 0:
            raise ValueError(f"{name}: a single number must be non-negative, got {value}")
        return (center - value, center + value)
    if len(value) != 2:
        raise ValueError(f"{name}: expected a number or a (min, max) pair, got {value}")
    return (float(value[0]), float(value[1]))


class RandomAffine:
    """Random rotation, translation and scaling about the image centre.

    Each call draws ``angle ~ U(degrees)`` (counter-clockwise, in degrees),
    ``tx = round(U(-a W, a W))``, ``ty = round(U(-b H, b H))`` for ``translate=(a, b)`` and
    ``s ~ U(scale)``. Output pixel ``p`` (x right, y down) reads the input at
    ``c + R(-angle) (p - c - t) / s`` with ``c = ((W-1)/2, (H-1)/2)``, by ``interpolation``
    'nearest' or 'bilinear'; points outside the input read ``fill``.

    Args:
        degrees: number ``d`` (range (-d, d)) or (min, max).
        translate: (a, b) maximal fractions of width and height. Default None (no shift).
        scale: (min, max) factors. Default None (1).
        interpolation: 'nearest' (default) or 'bilinear'. fill: value outside the image.
        generator: ``deepgrad.Generator``.
    """

    def __init__(self, degrees, translate=None, scale=None, interpolation="nearest", fill=0.0,
                 generator=None):
        self.degrees = _range(degrees, "degrees")
        if translate is not None and (len(translate) != 2 or not all(0 <= t <= 1 for t in translate)):
            raise ValueError(f"translate should be a pair of fractions in [0, 1], got {translate}")
        if scale is not None and (len(scale) != 2 or min(scale) <= 0):
            raise ValueError(f"scale should be a pair of positive numbers, got {scale}")
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
        self.translate, self.scale = translate, scale
        self.interpolation, self.fill, self.generator = interpolation, float(fill), generator

    def get_params(self, height, width):
        rng = numpy_generator(self.generator)
        angle = float(rng.uniform(*self.degrees))
        tx = ty = 0
        if self.translate is not None:
            mx, my = self.translate[0] * width, self.translate[1] * height
            tx, ty = int(round(rng.uniform(-mx, mx))), int(round(rng.uniform(-my, my)))
        s = float(rng.uniform(*self.scale)) if self.scale is not None else 1.0
        return angle, (tx, ty), s

    def __call__(self, img):
        arr, wrap = _unwrap(img)
        _check_image(arr, "RandomAffine")
        h, w = arr.shape[-2:]
        angle, (tx, ty), s = self.get_params(h, w)
        return wrap(affine(arr, angle, (tx, ty), s, self.interpolation, self.fill))

    def __repr__(self):
        return (f"RandomAffine(degrees={self.degrees}, translate={self.translate}, "
                f"scale={self.scale}, interpolation={self.interpolation!r})")


def affine(arr, angle, translate, scale, interpolation="nearest", fill=0.0):
    """Rotate (counter-clockwise, degrees), shift and scale ``arr`` (..., H, W) about its centre."""
    on_gpu = not isinstance(arr, np.ndarray)
    src_arr = arr.get() if on_gpu else arr
    h, w = src_arr.shape[-2:]
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    ys, xs = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64),
                         indexing="ij")
    # inverse map: undo the shift, the scale, then the rotation. With y pointing down, a
    # counter-clockwise rotation on screen by a is (x, y) -> (x cos a + y sin a, -x sin a + y cos a).
    u, v = (xs - cx - translate[0]) / scale, (ys - cy - translate[1]) / scale
    a = math.radians(angle)
    sx = cx + u * math.cos(a) - v * math.sin(a)
    sy = cy + u * math.sin(a) + v * math.cos(a)
    flat = src_arr.reshape(-1, h, w)
    if interpolation == "bilinear":   # weights in the image's float dtype (float32 for uint8)
        flat = flat.astype(np.result_type(src_arr.dtype, np.float32))
    if interpolation == "nearest":
        xi, yi = np.rint(sx).astype(np.int64), np.rint(sy).astype(np.int64)
        inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        out = flat[:, np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
        out = np.where(inside, out, np.asarray(fill, dtype=out.dtype))
    else:
        x0, y0 = np.floor(sx).astype(np.int64), np.floor(sy).astype(np.int64)
        fx, fy = (sx - x0).astype(flat.dtype), (sy - y0).astype(flat.dtype)
        out = np.zeros_like(flat)
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                xi, yi = x0 + dx, y0 + dy
                inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
                vals = flat[:, np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
                out += np.where(inside, vals, np.asarray(fill, dtype=flat.dtype)) * (wx * wy)
        if src_arr.dtype.kind in "iub":   # integer images stay integer (rounded)
            out = np.rint(out)
        out = out.astype(src_arr.dtype)
    out = out.reshape(src_arr.shape[:-2] + (h, w))
    return move_array(out, device_of_array(arr)) if on_gpu else out
