"""``add_embedding``: files for TensorBoard's Projector (PCA / t-SNE / UMAP of points).

The Projector does not read event files. For each embedding it reads, below the run
folder ``<log_dir>``:

* ``<step:05d>/<tag>/tensors.tsv``: one point per line, coordinates separated by tabs;
* ``<step:05d>/<tag>/metadata.tsv``: one label per line (a header line first when
  there are several columns);
* ``<step:05d>/<tag>/sprite.png``: all label images tiled in a square grid;
* ``projector_config.pbtxt``: the list of embeddings (a ``ProjectorConfig`` in protobuf
  text format) pointing at those files.
"""
import math
import os
import warnings

import numpy as np

from ._convert import image_to_uint8, to_numpy
from ._png import encode_png

_INSTALL = ("add_embedding writes TensorBoard's projector configuration with the "
            "`tensorboard` package, which is not installed: pip install deepgrad[tensorboard]")


def _encode_tag(tag):
    """The tag as one folder name (``%`` and both slashes escaped as ``%xx``)."""
    return tag.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")


def _metadata_lines(metadata, metadata_header):
    if not metadata_header:
        return [str(label) for label in metadata]
    rows = [list(metadata_header)] + [list(row) for row in metadata]
    for row in rows[1:]:
        if len(row) != len(rows[0]):
            raise ValueError(f"metadata_header has {len(rows[0])} columns but a metadata "
                             f"row has {len(row)}: {row!r}")
    return ["\t".join(str(v) for v in row) for row in rows]


def _sprite(label_img):
    """All images in a square grid of ceil(sqrt(N)) x ceil(sqrt(N)) cells, uint8 RGB."""
    n, channels, height, width = label_img.shape
    if channels == 1:
        label_img = np.concatenate([label_img] * 3, axis=1)
    elif channels != 3:
        raise ValueError(f"label_img must have 1 or 3 channels, got shape {label_img.shape}")
    side = math.ceil(math.sqrt(n))
    canvas = np.zeros((side * height, side * width, 3), dtype=np.uint8)
    pixels = image_to_uint8(label_img).transpose(0, 2, 3, 1)  # N, H, W, 3
    for i in range(n):
        row, col = divmod(i, side)
        canvas[row * height:(row + 1) * height, col * width:(col + 1) * width] = pixels[i]
    return canvas


def write_embedding(writer, mat, metadata, label_img, global_step, tag, metadata_header):
    """Write the files of one embedding and add it to ``writer``'s projector config."""
    try:
        from google.protobuf import text_format  # noqa: PLC0415 - optional extra
        from tensorboard.plugins.projector.projector_config_pb2 import (  # noqa: PLC0415
            ProjectorConfig)
    except ImportError as err:
        raise ImportError(_INSTALL) from err
    if mat.ndim != 2:
        raise ValueError(f"mat must be 2-D (points x features), got shape {mat.shape}")
    if metadata is not None and len(metadata) != mat.shape[0]:
        raise ValueError(f"metadata has {len(metadata)} labels for {mat.shape[0]} points")
    if label_img is not None:
        label_img = to_numpy(label_img, "label_img")
        if label_img.ndim != 4 or label_img.shape[0] != mat.shape[0]:
            raise ValueError(f"label_img must be (N, C, H, W) with N = {mat.shape[0]} "
                             f"points, got shape {label_img.shape}")
    lines = _metadata_lines(metadata, metadata_header) if metadata is not None else None
    step = 0 if global_step is None else int(global_step)
    subdir = f"{step:05d}/{_encode_tag(tag)}"
    log_dir = writer._get_file_writer().get_logdir()
    folder = os.path.join(log_dir, subdir)
    if os.path.isdir(folder):
        warnings.warn(f"embedding folder {folder} exists already and is overwritten: give "
                      "each add_embedding call its own global_step or tag", UserWarning,
                      stacklevel=3)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "tensors.tsv"), "w", encoding="utf-8") as f:
        for point in mat:
            f.write("\t".join(repr(float(v)) for v in point) + "\n")
    config = getattr(writer, "_projector_config", None) or ProjectorConfig()
    info = config.embeddings.add(tensor_name=f"{tag}:{step:05d}",
                                 tensor_path=f"{subdir}/tensors.tsv")
    if lines is not None:
        with open(os.path.join(folder, "metadata.tsv"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        info.metadata_path = f"{subdir}/metadata.tsv"
    if label_img is not None:
        with open(os.path.join(folder, "sprite.png"), "wb") as f:
            f.write(encode_png(_sprite(label_img)))
        info.sprite.image_path = f"{subdir}/sprite.png"
        info.sprite.single_image_dim.extend([label_img.shape[3], label_img.shape[2]])
    writer._projector_config = config
    with open(os.path.join(log_dir, "projector_config.pbtxt"), "w", encoding="utf-8") as f:
        f.write(text_format.MessageToString(config))
