"""RMS normalisation and local response normalisation.

    rms_norm(x) = x / sqrt(mean(x^2 over the normalized_shape dims) + eps) * weight
                  (eps defaults to the dtype's machine epsilon, as torch)
    local_response_norm(x)_c = x_c / (k + alpha / size * sum_{c' in window(c)} x_c'^2)^beta
                  (window: size channels around c, zero outside; AlexNet's LRN)

Both are compositions of differentiable ops.
"""
import numpy as np

from ...ops import elementwise as E
from ...ops import reduce as R
from ...ops import shape as S


def rms_norm(input, normalized_shape, weight=None, eps=None):  # noqa: A002
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size "
                           f"{list(input.shape)}")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    out = input * E.rsqrt(R.mean(input * input, dims, keepdim=True) + eps) if dims else \
        input * E.rsqrt(input * input + eps)
    return out * weight if weight is not None else out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):  # noqa: A002
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} "
                         "dimensions)")
    if input.numel() == 0:
        return input
    sq = input * input
    c = input.shape[1]
    pad = [0, 0] * (input.ndim - 2) + [size // 2, (size - 1) // 2]
    padded = S.pad(sq, pad)                                        # zeros around the channels
    # window sums over channels by a running sum: s[c] = cs[c + size] - cs[c]
    cs = R.cumsum(padded, 1)
    cs = S.cat([S.narrow(cs, 1, 0, 1) * 0, cs], 1)
    window = S.narrow(cs, 1, size, c) - S.narrow(cs, 1, 0, c)
    div = (window * (alpha / size) + k) ** beta
    return input / div
