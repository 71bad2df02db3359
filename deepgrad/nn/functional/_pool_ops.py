"""Pooling primitives on raw arrays: max and average over sliding 2-D windows.

A window plan (``Window``) describes the geometry: kernel (kh, kw), stride,
padding, dilation and output size (Ho, Wo). Every kernel tap (a, b) reads a
strided view of the (padded) input:

    tap_ab[n, c, i, j] = x_pad[n, c, s_h i + d_h a, s_w j + d_w b]

so a pooling is a handful of elementwise NumPy ops over kh·kw views, never a
Python loop over positions. Max pooling keeps, per output, the tap index of
the first maximum (PyTorch's tie rule); its gradient scatters g to that tap.

Each op comes with its adjoint, and each adjoint's backward is the op again,
so gradients of any order exist:

    max:  M(x) = max_ab tap_ab(x)      dM^T g = S(g) (scatter at the argmax)   S^T = G (gather)
    avg:  A(x) = sum_ab tap_ab(x) / D   A^T(g) = scatter-add of g / D to every tap

Measured (2 cores): a running max with the tap index updated as
``idx = max(idx, k * (tap > best))`` (k grows, so the max keeps the latest
strict improvement) is 5x faster than boolean-mask assignment or np.where; the
scatter writes ``g * (idx == k)`` straight into strided views of the gradient
(no accumulation needed when windows do not overlap).

Memory layout: outputs and gradients are contiguous (N, C, H, W) arrays, as torch's
are, so ``y.view(y.size(0), -1)`` works after a pooling. The price: a tap of an NCHW
array is a run of only Wo elements (stride s_w) where a channels-last one was a
contiguous run of C, so NumPy's loops are shorter; LeNet's pools take about 1.3x (first)
and 3x (second, 5 x 5 outputs) the time they took channels-last. Tiled windows use the
two-stage max below.
"""
import numpy as np

from ...autograd.function import ArrayFunction
from ...backend import device_of_array, move_array
from ...ops._util import row_major
from ...ops.elementwise import Relu as _Relu
from . import _fast_kernels as fast


class Window:
    """Geometry of a 2-D pooling over an (N, C, H, W) input."""

    def __init__(self, in_shape, kernel, stride, padding, dilation, out_hw):
        self.in_shape = tuple(in_shape)
        (self.kh, self.kw), self.stride, self.padding = kernel, stride, padding
        self.dilation, (self.ho, self.wo) = dilation, out_hw
        _, _, h, w = self.in_shape
        (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
        # the padded extent must hold the last (ceil-mode) window
        self.hp = max(h + 2 * ph, (self.ho - 1) * sh + dh * (self.kh - 1) + 1)
        self.wp = max(w + 2 * pw, (self.wo - 1) * sw + dw * (self.kw - 1) + 1)
        self.taps = [(slice(a * dh, a * dh + sh * (self.ho - 1) + 1, sh),
                      slice(b * dw, b * dw + sw * (self.wo - 1) + 1, sw))
                     for a in range(self.kh) for b in range(self.kw)]
        # windows that never overlap: each input element belongs to at most one tap
        self.disjoint = (dh == 1 or self.kh == 1) and (dw == 1 or self.kw == 1) and \
            sh >= self.kh and sw >= self.kw
        self.exact = self.disjoint and ph == 0 and pw == 0 and \
            h == self.ho * sh and w == self.wo * sw and sh == self.kh and sw == self.kw
        # windows that tile the input (MaxPool2d(k) in floor mode): the two-stage max applies
        self.tiled = (sh, sw) == (self.kh, self.kw) and (ph, pw) == (0, 0) and \
            (dh, dw) == (1, 1) and self.ho * sh <= h and self.wo * sw <= w

    def padded(self, x, fill):
        """x padded with ``fill`` to (N, C, Hp, Wp) (x itself when no padding is needed)."""
        n, c, h, w = x.shape
        ph, pw = self.padding
        if self.hp == h and self.wp == w:
            return x
        xp = np.full_like(x, fill, shape=(n, c, self.hp, self.wp), order="C")
        xp[:, :, ph:ph + h, pw:pw + w] = x
        return xp

    def tap_views(self, xp):
        """The kh·kw strided (N, C, Ho, Wo) views of a padded array, one per kernel tap."""
        return [xp[:, :, rs, cs] for rs, cs in self.taps]

    def scatter(self, like, fill):
        """Write each tap's contribution back onto an (N, C, H, W) gradient.

        ``fill(k, out)`` computes tap k's (N, C, Ho, Wo) contribution into ``out`` (a strided
        view of the result, when windows are disjoint) or returns it (``out`` is None).
        """
        n, c, h, w = self.in_shape
        ph, pw = self.padding
        make = np.empty_like if self.exact else np.zeros_like
        gxp = make(like, shape=(n, c, self.hp, self.wp), order="C")
        for k, view in enumerate(self.tap_views(gxp)):
            if self.disjoint:
                fill(k, view)
            else:
                view += fill(k, None)
        if self.hp == h and self.wp == w:
            return gxp
        return row_major(gxp[:, :, ph:ph + h, pw:pw + w])

    def divisor(self, count_include_pad, divisor_override, dtype_like):
        """1 / (number of elements averaged) per output position, shape (Ho, Wo)."""
        if divisor_override:
            return np.full_like(dtype_like, 1.0 / divisor_override, shape=(self.ho, self.wo),
                                order="C")
        counts = []
        for size, k, s, p, out in ((self.in_shape[2], self.kh, self.stride[0], self.padding[0],
                                    self.ho),
                                   (self.in_shape[3], self.kw, self.stride[1], self.padding[1],
                                    self.wo)):
            start = np.arange(out) * s - p
            end = np.minimum(start + k, size + p)
            if count_include_pad:
                counts.append(end - start)
            else:
                counts.append(np.minimum(end, size) - np.maximum(start, 0))
        div = counts[0][:, None] * counts[1][None, :]
        inv = np.asarray(1.0 / div, dtype=dtype_like.dtype)
        return move_array(inv, device_of_array(dtype_like))  # CuPy inputs need a CuPy array


def _running_max(taps, dtype):
    """(elementwise max of same-shaped arrays, index of the first array holding it)."""
    if len(taps) == 1:
        return taps[0].copy(order="C"), np.zeros_like(taps[0], dtype=dtype, order="C")
    # the first two taps start the running max without a copy of tap 0; a bool array is
    # reinterpreted as uint8 in place (no copy)
    better = taps[1] > taps[0]
    idx = better.view(dtype) if dtype == np.uint8 else better.astype(dtype)
    best = np.maximum(taps[0], taps[1])
    for k in range(2, len(taps)):
        better = taps[k] > best
        np.maximum(best, taps[k], out=best)
        np.maximum(idx, np.multiply(better, k, dtype=dtype), out=idx)
    # ufuncs follow the input's stride order: make a permuted input's result row-major too
    return row_major(best), row_major(idx)


def max_pool_array(x, win):
    """(output, tap index of the maximum as uint8/int32), both contiguous (N, C, Ho, Wo)."""
    compiled = _max_pool_compiled(x, win)
    if compiled is not None:
        return compiled
    if win.tiled:
        return tiled_max(x, win)
    taps = win.tap_views(win.padded(x, -np.inf))
    return _running_max(taps, np.uint8 if len(taps) < 256 else np.int32)


# --- compiled loops (deepgrad[fast]): one pass per plane, the same numbers as the NumPy code ---
#
# Measured (1 thread, CPU time, LeNet's first 2 x 2 pool over 64 x 32 x 26 x 26): forward
# 2.0 ms against 4.0 for the NumPy two-stage tiled max, backward 2.1 against 4.6. Without
# numba (or DEEPGRAD_FUSED=0) the NumPy code below runs; tests/nn/test_fast_kernels.py
# checks that both give the same bits. Large poolings run their planes on all of
# deepgrad's threads; outputs and gradients come from the reusable ``fast.buffer`` (no
# memset: the scatter loop zeroes each plane itself; tests/nn/test_conv_kernels.py).

def _max_pool_compiled(x, win):
    """max_pool_array by the compiled loop, or None when it cannot run (see _fast_kernels)."""
    if not fast.usable(x):
        return None
    xp = row_major(win.padded(x, -np.inf))
    n, c = x.shape[:2]
    best = fast.buffer((n, c, win.ho, win.wo), x.dtype)
    idx = fast.buffer(best.shape, np.uint8 if win.kh * win.kw < 256 else np.int32)
    (sh, sw), (dh, dw) = win.stride, win.dilation
    if (win.kh, win.kw) == (2, 2):
        ran = fast.run("max_pool_2x2", xp, sh, sw, dh, dw, best, idx, work=xp.size)
    else:
        ran = fast.run("max_pool", xp, win.kh, win.kw, sh, sw, dh, dw, best, idx, work=xp.size)
    if not ran:
        return None
    return best, idx


def _tap_offsets(win):
    """(row offsets, column offsets) of each tap k = a kw + b from its window's corner."""
    (dh, dw), taps = win.dilation, np.arange(win.kh * win.kw)
    return taps // win.kw * dh, taps % win.kw * dw


def _max_scatter_compiled(g, win, idx):
    """The max-pool input gradient by the compiled loop, or None when it cannot run."""
    if isinstance(idx, tuple) or not fast.usable(g):
        return None
    n, c, h, w = win.in_shape
    # no memset: the loop zeroes each plane itself
    gxp = fast.buffer((n, c, win.hp, win.wp), g.dtype)
    sh, sw = win.stride
    if not fast.run("max_pool_scatter", row_major(g), idx, *_tap_offsets(win), sh, sw,
                    win.disjoint, gxp, work=gxp.size):
        return None
    ph, pw = win.padding
    if win.hp == h and win.wp == w:
        return gxp
    return row_major(gxp[:, :, ph:ph + h, pw:pw + w])


# --- tiled windows (stride == kernel, no padding or dilation): a max in two stages ----------
#
# Each window's max is the max over its kh rows of each row's max over kw columns. Stage 1
# runs over whole input rows, where the kw taps are one long strided run each (NumPy's
# loop over (N, C, H, W) views of an NCHW array otherwise runs Wo elements at a time);
# stage 2 over the kh rows of each window. Ties: stage 1 keeps a row's first maximum,
# stage 2 the first row holding the window's maximum, which is torch's first maximum in
# row-major window order. Measured (1 thread, LeNet's first pool, 64 x 32 x 26 x 26):
# 4.4 ms against 5.6 ms for the kh·kw taps; on its second (11 x 11, 2.1 ms) a tie.

def tiled_max(x, win):
    """(output (N, C, Ho, Wo), (row tap (N·C·Ho, Wo), column tap (N·C·Ho·kh, Wo)))."""
    n, c, h, w = x.shape
    kh, kw, ho, wo = win.kh, win.kw, win.ho, win.wo
    x = row_major(x[:, :, :ho * kh, :wo * kw])  # floor mode drops the rest
    rows = x.reshape(n * c * ho * kh, wo, kw)
    col_best, col_tap = _running_max([rows[:, :, b] for b in range(kw)], np.uint8)
    blocks = col_best.reshape(n * c * ho, kh, wo)
    best, row_tap = _running_max([blocks[:, a] for a in range(kh)], np.uint8)
    return best.reshape(n, c, ho, wo), (row_tap, col_tap)


def tiled_scatter(g, win, taps):
    """The gradient of tiled_max: g to the row, then to the column, of each maximum."""
    row_tap, col_tap = taps
    n, c, h, w = win.in_shape
    kh, kw, ho, wo = win.kh, win.kw, win.ho, win.wo
    g2 = g.reshape(n * c * ho, wo)
    blocks = np.empty_like(g, shape=(n * c * ho, kh, wo), order="C")
    for a in range(kh):
        np.multiply(g2, row_tap == a, out=blocks[:, a])
    rows = blocks.reshape(n * c * ho * kh, wo)
    gx = np.empty_like(g, shape=(n * c * ho * kh, wo, kw), order="C")
    for b in range(kw):
        np.multiply(rows, col_tap == b, out=gx[:, :, b])
    gx = gx.reshape(n, c, ho * kh, wo * kw)
    if (ho * kh, wo * kw) == (h, w):
        return gx
    full = np.zeros_like(g, shape=(n, c, h, w), order="C")
    full[:, :, :ho * kh, :wo * kw] = gx
    return full


def tap_index(idx, win):
    """The tap index a·kw + b of each window's maximum (N, C, Ho, Wo), from either form."""
    if not isinstance(idx, tuple):
        return idx
    row_tap, col_tap = idx
    n, c, _, _ = win.in_shape
    cols = col_tap.reshape(n * c * win.ho, win.kh, win.wo)
    b = np.take_along_axis(cols, row_tap[:, None, :].astype(np.intp), axis=1)[:, 0]
    k = row_tap.astype(np.int32) * win.kw + b
    return k.reshape(n, c, win.ho, win.wo).astype(np.uint8 if win.kh * win.kw < 256 else
                                                     np.int32)


def max_indices(idx, win):
    """Torch's return_indices: flat positions h * W + w in the unpadded input, (N, C, Ho, Wo)."""
    _, _, _, w = win.in_shape
    (sh, sw), (ph, pw), (dh, dw) = win.stride, win.padding, win.dilation
    a, b = np.divmod(tap_index(idx, win).astype(np.int64), win.kw)
    dev = device_of_array(idx)
    rows = move_array((np.arange(win.ho) * sh - ph)[:, None], dev) + a * dh
    cols = move_array((np.arange(win.wo) * sw - pw)[None, :], dev) + b * dw
    return rows * w + cols


def _max_scatter_relu_compiled(g, win, idx, y):
    """relu_backward(S(g), y) in one compiled pass, for disjoint windows without padding
    over a ReLU's output ``y``; None when it cannot run."""
    if (isinstance(idx, tuple) or not win.disjoint or (win.hp, win.wp) != win.in_shape[2:]
            or not fast.usable(g, y) or y.shape != win.in_shape or not y.flags.c_contiguous):
        return None
    gx = fast.buffer(win.in_shape, g.dtype)  # no memset: the loop zeroes each plane itself
    sh, sw = win.stride
    if not fast.run("max_pool_scatter_relu", row_major(g), idx, *_tap_offsets(win), sh, sw,
                    y, g.dtype.type(0), gx, work=gx.size):
        return None
    return gx


class MaxPool(ArrayFunction):
    """y = max over each window; backward scatters g to the first maximum of its window.

    Conv -> ReLU -> max-pool is the classic CNN block. When this pooling reads a ReLU's
    output, its plain backward also applies ReLU's gradient, ``[relu output > 0]``, in the
    same pass over the input-sized array (``max_pool_scatter_relu_loop``), and tells the
    ReLU node so: that node then passes this array on unchanged. Masking twice changes
    nothing, so when the ReLU's output has other consumers as well (their gradients are
    summed with this one into a new array), the ReLU node simply masks the sum as usual.
    Not done when the ReLU node or its output has hooks (they must see the unmasked sum).
    LeNet (one thread): the two ReLU gradients took ~1.3 ms of a ~22 ms step."""

    saves_inputs = False

    def forward(self, x, *, win):
        self.win = win
        y, self.idx = max_pool_array(x, win)
        return y

    def backward(self, g):
        return MaxPoolScatter.apply(g, win=self.win, idx=self.idx)

    def backward_arrays(self, g):
        relu = self._next_fns[0]
        if (type(relu) is _Relu and not relu._released and relu._tensor_hooks is None
                and relu._node_hooks is None):
            gx = _max_scatter_relu_compiled(g, self.win, self.idx, relu.output_array())
            if gx is not None:
                relu.gradient_masked = gx
                return (gx,)
        return (max_scatter(g, self.win, self.idx),)


def max_scatter(g, win, idx):
    """S(g), the max-pool input gradient, as an array."""
    compiled = _max_scatter_compiled(g, win, idx)
    if compiled is not None:
        return compiled
    if isinstance(idx, tuple):
        return tiled_scatter(g, win, idx)
    return win.scatter(g, lambda k, out: np.multiply(g, idx == k, out=out))


class MaxPoolScatter(ArrayFunction):
    """S(g): g placed at the argmax tap of each window (the max-pool input gradient)."""

    saves_inputs = False

    def forward(self, g, *, win, idx):
        self.win, self.idx = win, idx
        return max_scatter(g, win, idx)

    def backward(self, gg):
        return MaxPoolGather.apply(gg, win=self.win, idx=self.idx)


class MaxPoolGather(ArrayFunction):
    """G(x): for each window, the value at its stored argmax tap (the adjoint of S)."""

    saves_inputs = False

    def forward(self, x, *, win, idx):
        self.win, self.idx = win, idx = win, tap_index(idx, win)
        out = None
        for k, tap in enumerate(win.tap_views(win.padded(x, 0))):
            part = tap * (idx == k)
            out = part if out is None else np.add(out, part, out=out)
        return row_major(out)

    def backward(self, g):
        return MaxPoolScatter.apply(g, win=self.win, idx=self.idx)


def avg_pool_array(x, win, inv_div):
    out = None
    for tap in win.tap_views(win.padded(x, 0)):
        out = tap.copy(order="C") if out is None else np.add(out, tap, out=out)
    out *= inv_div
    return out


class AvgPool(ArrayFunction):
    """y = (sum of each window) / divisor. Linear: the backward is its adjoint AvgPoolAdjoint."""

    saves_inputs = False

    def forward(self, x, *, win, inv_div):
        self.win, self.inv_div = win, inv_div
        return avg_pool_array(x, win, inv_div)

    def backward(self, g):
        return AvgPoolAdjoint.apply(g, win=self.win, inv_div=self.inv_div)


class AvgPoolAdjoint(ArrayFunction):
    """A^T(g): every input element receives g / divisor of each window that contains it."""

    saves_inputs = False

    def forward(self, g, *, win, inv_div):
        self.win, self.inv_div = win, inv_div
        gs = g * inv_div

        def fill(k, out):
            if out is None:
                return gs
            out[...] = gs

        return win.scatter(g, fill)

    def backward(self, gg):
        return AvgPool.apply(gg, win=self.win, inv_div=self.inv_div)
