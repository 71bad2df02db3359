"""Rearranging channels and space (sub-pixel convolution, ShuffleNet):

    pixel_shuffle(r):   (N, C r^2, H, W) -> (N, C, H r, W r)
                        out[n, c, h r + i, w r + j] = in[n, c r^2 + i r + j, h, w]
    pixel_unshuffle(r): its inverse
    channel_shuffle(g): (N, g k, *) -> channels reordered as k groups of g (a transpose of
                        the (g, k) channel grid)

Each is a reshape, a permute and a reshape, so gradients are those of the moves.
"""
from ...ops import shape as _shape


def pixel_shuffle(input, upscale_factor):  # noqa: A002
    r = int(upscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {input.ndim} dimension(s)")
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    nb = len(batch)
    x = _shape.reshape(input, *batch, c // (r * r), r, r, h, w)
    order = tuple(range(nb)) + (nb, nb + 3, nb + 1, nb + 4, nb + 2)
    return _shape.reshape(_shape.permute(x, order), *batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):  # noqa: A002
    r = int(downscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    *batch, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle expects height ({h}) and width ({w}) to be "
                           f"divisible by downscale_factor ({r})")
    nb = len(batch)
    x = _shape.reshape(input, *batch, c, h // r, r, w // r, r)
    order = tuple(range(nb)) + (nb, nb + 2, nb + 4, nb + 1, nb + 3)
    return _shape.reshape(_shape.permute(x, order), *batch, c * r * r, h // r, w // r)


def channel_shuffle(input, groups):  # noqa: A002
    g = int(groups)
    if input.ndim < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    n, c, *rest = input.shape
    if g <= 0 or c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {g} groups.")
    x = _shape.reshape(input, n, g, c // g, *rest)
    return _shape.reshape(_shape.transpose(x, 1, 2), n, c, *rest)


native_channel_shuffle = channel_shuffle
