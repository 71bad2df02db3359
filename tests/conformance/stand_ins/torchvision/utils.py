"""torchvision.utils stand-ins: make_grid and save_image (PNG through PIL)."""
import numpy as np
import torch
from PIL import Image


def _as_batch(tensor):
    if isinstance(tensor, (list, tuple)):
        array = np.stack([t.detach().cpu().numpy() for t in tensor])
    else:
        array = tensor.detach().cpu().numpy()
    if array.ndim == 2:          # one (H, W) image
        array = array[None]
    if array.ndim == 3:          # one (C, H, W) image
        array = array[None]
    if array.shape[1] == 1:
        array = np.repeat(array, 3, axis=1)
    return array.astype(np.float32)


def _rescale(array, value_range):
    low, high = value_range if value_range is not None else (array.min(), array.max())
    return (np.clip(array, low, high) - low) / max(high - low, 1e-5)


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0):
    """Tile a batch (B, C, H, W) into one (3, rows*(H+p)+p, cols*(W+p)+p) image tensor."""
    batch = _as_batch(tensor)
    if normalize:
        batch = (np.stack([_rescale(b, value_range) for b in batch]) if scale_each
                 else _rescale(batch, value_range))
    if len(batch) == 1:          # a single picture comes back without a frame
        return torch.from_numpy(np.ascontiguousarray(batch[0]))
    count, channels, height, width = batch.shape
    columns = min(nrow, count)
    rows = -(-count // columns)
    cell_h, cell_w = height + padding, width + padding
    grid = np.full((channels, rows * cell_h + padding, columns * cell_w + padding), pad_value,
                   dtype=np.float32)
    for k in range(count):
        row, col = divmod(k, columns)
        top, left = row * cell_h + padding, col * cell_w + padding
        grid[:, top:top + height, left:left + width] = batch[k]
    return torch.from_numpy(grid)


def save_image(tensor, fp, format=None, **grid_options):  # noqa: A002 - torchvision's name
    """Write ``make_grid(tensor, **grid_options)`` as an 8-bit image file."""
    grid = make_grid(tensor, **grid_options).numpy()
    pixels = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    Image.fromarray(pixels).save(fp, format=format)
