"""``F.pad`` with all of torch's modes: constant, reflect, replicate, circular.

``pad`` lists (before, after) widths from the last dim backwards: ``(left, right)`` pads
the last dim, ``(left, right, top, bottom)`` the last two, and so on. For one dim of
``x = [a b c d]`` and widths (2, 2):

    constant (value v): v v a b c d v v
    reflect:            c b a b c d c b      (mirror, edge not repeated; width < size)
    replicate:          a a a b c d d d      (edge repeated)
    circular:           c d a b c d a b      (wrap around; width <= size)

The non-constant modes are concatenations of slices, flips and expands of the input,
so their gradients (of any order) come from those ops.
"""
from ...ops import shape as _shape


def _side(x, d, lo, hi, mode):
    n = x.shape[d]
    parts = []
    if mode == "reflect":
        if lo >= n or hi >= n:
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({lo}, {hi}) at dimension {d} "
                               f"of input {list(x.shape)}")
        if lo:
            parts.append(_shape.flip(_shape.narrow(x, d, 1, lo), d))
        parts.append(x)
        if hi:
            parts.append(_shape.flip(_shape.narrow(x, d, n - 1 - hi, hi), d))
    elif mode == "replicate":
        if n == 0:
            raise RuntimeError(f"padding of an empty dimension {d} is not possible in replicate "
                               "mode")
        size = list(x.shape)
        if lo:
            size[d] = lo
            parts.append(_shape.expand(_shape.narrow(x, d, 0, 1), tuple(size)))
        parts.append(x)
        if hi:
            size[d] = hi
            parts.append(_shape.expand(_shape.narrow(x, d, n - 1, 1), tuple(size)))
    else:  # circular
        if lo > n or hi > n:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if lo:
            parts.append(_shape.narrow(x, d, n - lo, lo))
        parts.append(x)
        if hi:
            parts.append(_shape.narrow(x, d, 0, hi))
    return _shape.cat(parts, d) if len(parts) > 1 else x


def pad(input, pad, mode="constant", value=None):  # noqa: A002 - PyTorch's argument names
    """Pad ``input`` by the widths in ``pad`` (see the module docstring for the modes)."""
    if mode == "constant":
        return _shape.pad(input, pad, mode, value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise ValueError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length must be divisible by 2 and at most twice the number "
                           f"of dims ({input.ndim}), got {len(pad)}")
    if len(pad) // 2 > input.ndim - 1:
        raise NotImplementedError(f"Only 2D, 3D, 4D, 5D padding with non-constant padding are "
                                  f"supported for now (input of {input.ndim} dims padded in "
                                  f"{len(pad) // 2})")
    out = input
    for i in range(len(pad) // 2):
        lo, hi = int(pad[2 * i]), int(pad[2 * i + 1])
        if lo < 0 or hi < 0:
            raise NotImplementedError(f"negative padding is not supported in {mode} mode")
        out = _side(out, input.ndim - 1 - i, lo, hi, mode)
    return out
