"""Turning what users log (deepgrad tensors, NumPy arrays, Python numbers, matplotlib
figures) into NumPy arrays, and image batches into one picture, as torch.utils.tensorboard
does."""
import numbers

import numpy as np

from ...tensor import Tensor


def to_numpy(value, what="value"):
    """A NumPy array holding ``value`` (a deepgrad tensor is detached and copied to the
    CPU; a Python or NumPy number becomes a 0-d array)."""
    if isinstance(value, Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (numbers.Number, np.generic, list, tuple)):
        return np.asarray(value)
    raise TypeError(f"{what} must be a deepgrad Tensor, a NumPy array or a number, got "
                    f"{type(value).__name__}")


def to_float(value, what):
    """The one number held by ``value`` (any shape with a single element)."""
    arr = to_numpy(value, what)
    if arr.size != 1:
        raise ValueError(f"{what} must hold exactly one number, got shape "
                         f"{tuple(arr.shape)} ({arr.size} elements)")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{what} must be a real number, got dtype {arr.dtype}")
    return float(arr.reshape(()))


def image_to_uint8(arr):
    """Pixels as uint8: uint8 input is kept, anything else is taken to lie in [0, 1], is
    multiplied by 255 in float32, clipped to [0, 255] and truncated (torch's rule, so both
    give the same pixels)."""
    if arr.dtype == np.uint8:
        return arr
    scaled = arr.astype(np.float32) * np.float32(255)
    return np.clip(scaled, 0, 255).astype(np.uint8)


def make_grid(batch, ncols=8):
    """``(N, C, H, W)`` images (C = 1 or 3) laid out in rows of ``ncols`` on a black
    canvas, as one ``(3, rows * H, ncols * W)`` image; grey images become RGB."""
    n, channels, height, width = batch.shape
    if channels == 1:
        batch = np.concatenate([batch] * 3, axis=1)
    elif channels != 3:
        raise ValueError(f"a batch of images must have 1 or 3 channels, got {channels} "
                         f"(shape {batch.shape})")
    ncols = min(n, ncols)
    nrows = -(-n // ncols)  # ceil(n / ncols)
    canvas = np.zeros((3, nrows * height, ncols * width), dtype=batch.dtype)
    for i in range(n):
        row, col = divmod(i, ncols)
        canvas[:, row * height:(row + 1) * height, col * width:(col + 1) * width] = batch[i]
    return canvas


def to_hwc(arr, dataformats):
    """Reorder an image (or a batch: a format with N) to ``(H, W, C)``: a batch becomes a
    grid, and one grey channel (``HW``, or C = 1) becomes three equal ones."""
    fmt = dataformats.upper()
    if len(set(fmt)) != len(fmt) or not set(fmt) <= set("NCHW") or not {"H", "W"} <= set(fmt):
        raise ValueError(f"dataformats must name each of H and W (and optionally N and C) "
                         f"once, e.g. 'CHW', 'HWC', 'NCHW', 'HW'; got {dataformats!r}")
    if arr.ndim != len(fmt):
        raise ValueError(f"the image has {arr.ndim} dimensions {tuple(arr.shape)} but "
                         f"dataformats={dataformats!r} names {len(fmt)}")
    if "N" in fmt:
        if "C" not in fmt:
            raise ValueError(f"a batch format needs a channel axis, got {dataformats!r}")
        nchw = arr.transpose([fmt.index(c) for c in "NCHW"])
        return make_grid(nchw).transpose(1, 2, 0)
    if "C" in fmt:
        hwc = arr.transpose([fmt.index(c) for c in "HWC"])
        return np.concatenate([hwc] * 3, axis=2) if hwc.shape[2] == 1 else hwc
    hw = arr.transpose([fmt.index(c) for c in "HW"])
    return np.stack([hw, hw, hw], axis=2)


def figure_to_chw(figure, close):
    """Render a matplotlib figure with the Agg backend to a ``(3, H, W)`` uint8 array."""
    try:
        import matplotlib.pyplot as plt  # noqa: PLC0415 - optional extra
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    except ImportError as err:
        raise ImportError("add_figure draws with matplotlib, which is not installed: "
                          "pip install deepgrad[plot]") from err
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())  # (H, W, 4)
    image = np.ascontiguousarray(rgba[:, :, :3].transpose(2, 0, 1))
    if close:
        plt.close(figure)
    return image
