"""Dropout: randomly zero activations during training (a regulariser).

Inverted dropout, as in PyTorch: in training each element is kept with probability
``1 - p`` and the kept ones are scaled by ``1 / (1 - p)``,

    y = x * m / (1 - p),    m ~ Bernoulli(1 - p) elementwise,

so that E[y] = x and evaluation needs no rescaling: there dropout is the identity.
The gradient is the same mask: dx = g * m / (1 - p).

Variants: ``dropout1d``/``dropout2d`` draw one mask value per channel (a whole feature
map is zeroed, which suits convolutions whose neighbouring pixels are correlated);
``alpha_dropout`` keeps the mean and variance of SELU activations (see its docstring).

Masks are drawn from ``deepgrad.random`` (pass ``generator=`` for a private stream):
32 random bits per element compared with ``p * 2**32``, which is cheaper than drawing
floats and exact to 2**-32.
"""
import warnings

import numpy as np

from ...autograd.function import ArrayFunction
from ...backend import move_array
from ...ops._util import constant
from ...ops.inplace import maybe_inplace
from ...random import numpy_generator

# SELU's constants: selu(x) = scale * (x if x > 0 else alpha * (exp(x) - 1)); its negative
# saturation value is -scale * alpha
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_ALPHA_PRIME = _SELU_ALPHA * _SELU_SCALE  # 1.7580993408473766


class MaskMul(ArrayFunction):
    """``y = x * mask + shift`` with constant arrays (broadcast against x); dx = g * mask."""
    saves_inputs = False

    def forward(self, x, mask, shift=None):
        self.mask = mask
        y = x * mask
        if shift is not None:
            y += shift
        return y

    def backward(self, g):
        return g * constant(self.mask, g)


def _check_p(p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(shape, p, x, generator):
    """Bernoulli(1 - p) draws of ``shape`` as a boolean array on ``x``'s device."""
    n = 1
    for s in shape:
        n *= s
    bits = numpy_generator(generator).bit_generator.random_raw((n + 1) // 2)
    u = bits.view(np.uint32)[:n].reshape(shape)
    keep = u >= min(int(round(p * 2.0 ** 32)), 2 ** 32 - 1) if p > 0 else np.ones(shape, bool)
    return move_array(keep, x._device)


def _scaled_mask(keep, p, x):
    mask = keep.astype(x._data.dtype)
    mask *= 1.0 / (1.0 - p)
    return mask


def _apply_mask(x, mask_shape, p, generator):
    if p == 1.0:  # everything dropped: 0 * x keeps the graph (and a zero gradient)
        return MaskMul.apply(x, mask=np.zeros_like(x._data, shape=mask_shape))
    return MaskMul.apply(x, mask=_scaled_mask(_keep_mask(mask_shape, p, x, generator), p, x))


def dropout(input, p=0.5, training=True, inplace=False, generator=None):  # noqa: A002
    """Inverted dropout: ``x * Bernoulli(1 - p) / (1 - p)`` in training, ``x`` otherwise.

    Args:
        p (float): probability that an element is zeroed. Default: 0.5.
        training (bool): apply dropout (True) or return the input (False). Default: True.
        inplace (bool): write the result into ``input`` and return it (recorded under
            autograd, as torch's in-place ops).
        generator (deepgrad.Generator, optional): source of the random mask.

    Example::

        y = F.dropout(x, p=0.2, training=model.training)
    """
    p = float(p)
    _check_p(p)
    if not training or p == 0.0:
        return input
    return maybe_inplace(input, lambda t: _apply_mask(t, tuple(t.shape), p, generator), inplace)


def _channel_dropout(x, p, training, generator, spatial_dims, name, inplace=False):
    """Zero whole channels: one draw per (sample, channel), broadcast over spatial dims."""
    p = float(p)
    _check_p(p)
    ndim = x.ndim
    if ndim not in (spatial_dims + 1, spatial_dims + 2):
        raise RuntimeError(f"{name}: Expected {spatial_dims + 1}D or {spatial_dims + 2}D input, "
                           f"but received a {ndim}D input of shape {tuple(x.shape)}")
    if not training or p == 0.0:
        return x
    batched = ndim == spatial_dims + 2
    lead = 2 if batched else 1
    mask_shape = tuple(x.shape[:lead]) + (1,) * (ndim - lead)
    return maybe_inplace(x, lambda t: _apply_mask(t, mask_shape, p, generator), inplace)


def dropout1d(input, p=0.5, training=True, inplace=False, generator=None):  # noqa: A002
    """Channel dropout for (N, C, L) or (C, L) inputs: each channel zeroed with probability
    ``p`` as a whole, the others scaled by 1 / (1 - p)."""
    return _channel_dropout(input, p, training, generator, 1, "dropout1d", inplace)


def _feature_dropout(x, p, training, generator, inplace=False):
    """Channel dropout of an (N, C, *) input: one draw per (N, C) entry, as torch's
    ``feature_dropout`` (a 2-D input thus gets one draw per element)."""
    if x.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if not training or p == 0.0:
        return x
    shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2)
    return maybe_inplace(x, lambda t: _apply_mask(t, shape, p, generator), inplace)


def _warn_unusual_dims(name, ndim, spatial_dims):
    # torch proceeds (channel dim 1) and warns that this will become an error
    warnings.warn(f"{name}: Received a {ndim}-D input to {name}, which is deprecated and will "
                  "result in an error in a future release. To retain the behavior and silence "
                  f"this warning, please use dropout instead. Note that {name} exists to provide "
                  f"channel-wise dropout on inputs with {spatial_dims} spatial dimensions, a "
                  "channel dimension, and an optional batch dimension (i.e. "
                  f"{spatial_dims + 1}D or {spatial_dims + 2}D inputs).", UserWarning, stacklevel=3)


def dropout2d(input, p=0.5, training=True, inplace=False, generator=None):  # noqa: A002
    """Channel dropout for (N, C, H, W) or (C, H, W) inputs: each feature map zeroed with
    probability ``p`` as a whole.

    As PyTorch 2.13: a 3-D input is read as (N, C, L), i.e. 1-D channel dropout, with a
    warning; an input of any other rank than 3 or 4 warns and is treated as (N, C, *)
    (a 2-D input gets one draw per element; a 1-D input is an error).
    """
    p = float(p)
    _check_p(p)
    ndim = input.ndim
    if ndim not in (3, 4):
        _warn_unusual_dims("dropout2d", ndim, 2)
    if ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape "
                      "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch "
                      "to using dropout1d instead.", UserWarning, stacklevel=2)
    return _feature_dropout(input, p, training, generator, inplace)


def dropout3d(input, p=0.5, training=True, inplace=False, generator=None):  # noqa: A002
    """Channel dropout for (N, C, D, H, W) or (C, D, H, W) inputs.

    As PyTorch 2.13: any rank but 5 is read as unbatched (channel dim 0); a rank other than
    4 or 5 also warns that it will become an error.
    """
    p = float(p)
    _check_p(p)
    ndim = input.ndim
    if ndim not in (4, 5):
        _warn_unusual_dims("dropout3d", ndim, 3)
    if ndim == 5:
        return _feature_dropout(input, p, training, generator, inplace)
    if not training or p == 0.0:
        return input
    shape = tuple(input.shape[:1]) + (1,) * (ndim - 1)
    return maybe_inplace(input, lambda t: _apply_mask(t, shape, p, generator), inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False, generator=None):  # noqa: A002
    """Dropout that keeps zero mean and unit variance of SELU activations.

    Dropped elements are set to SELU's negative saturation ``-alpha'`` (alpha' = scale *
    alpha = 1.7581) instead of 0, then an affine map restores the moments:

        y = a * (x * m - alpha' * (1 - m)) + b,    m ~ Bernoulli(1 - p)
        a = ((1 - p) * (1 + p * alpha'^2)) ** -0.5,     b = a * alpha' * p

    For x with mean 0 and variance 1, y has mean 0 and variance 1 (Klambauer et al. 2017).
    Identity when not training. Note the default ``training=False``, as in PyTorch.
    """
    return _alpha_dropout(input, p, training, generator, per_channel=False, inplace=inplace)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False,  # noqa: A002
                          generator=None):
    """Alpha dropout with one draw per (sample, channel), for (N, C, *) inputs."""
    return _alpha_dropout(input, p, training, generator, per_channel=True, inplace=inplace)


def _alpha_dropout(x, p, training, generator, per_channel, inplace=False):
    """Alpha dropout with a mask per element, or per (sample, channel) broadcast over the rest."""
    p = float(p)
    _check_p(p)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        zeros = np.zeros_like(x._data, shape=tuple(x.shape))
        return maybe_inplace(x, lambda t: MaskMul.apply(t, mask=zeros), inplace)
    shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2) if per_channel else tuple(x.shape)
    keep = _keep_mask(shape, p, x, generator).astype(x._data.dtype)
    a = ((1.0 - p) * (1.0 + p * _ALPHA_PRIME ** 2)) ** -0.5
    # dropped elements: a * (-alpha') + b; kept ones: a * x + b
    shift = (keep - 1.0) * (_ALPHA_PRIME * a)
    shift += _ALPHA_PRIME * a * p
    return maybe_inplace(x, lambda t: MaskMul.apply(t, mask=keep * a, shift=shift), inplace)
