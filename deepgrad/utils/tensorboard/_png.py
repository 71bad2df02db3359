"""A small PNG encoder (zlib + struct only), so that images need no imaging library.

A PNG file is an 8-byte signature followed by chunks; each chunk is
``length (4 bytes, big-endian) | type (4 ASCII letters) | data | CRC-32 of type + data``.
Three chunks suffice:

* ``IHDR``: width, height, bit depth (8 here), colour type (0 grey, 4 grey + alpha,
  2 RGB, 6 RGBA), then compression, filter and interlace methods (all 0);
* ``IDAT``: the zlib-compressed scanlines; each row of ``width * channels`` bytes is
  preceded by its filter type byte (0: the row is stored as is);
* ``IEND``: the empty end marker.
"""
import struct
import zlib

import numpy as np

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOUR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> PNG colour type


def _chunk(kind, data):
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def encode_png(pixels, compression=6):
    """PNG bytes of a ``(H, W, C)`` uint8 array (C = 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA)
    or a ``(H, W)`` grey one."""
    pixels = np.asarray(pixels)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    if pixels.ndim != 3 or pixels.shape[2] not in _COLOUR_TYPE:
        raise ValueError(f"encode_png expects an (H, W) or (H, W, C) array with C in 1..4, "
                         f"got shape {pixels.shape}")
    if pixels.dtype != np.uint8:
        raise ValueError(f"encode_png expects uint8 pixels, got {pixels.dtype}")
    height, width, channels = pixels.shape
    if height == 0 or width == 0:
        raise ValueError(f"a PNG image needs at least one pixel, got shape {pixels.shape}")
    rows = pixels.reshape(height, width * channels)
    scanlines = np.concatenate([np.zeros((height, 1), np.uint8), rows], axis=1)  # filter 0
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOUR_TYPE[channels], 0, 0, 0)
    return (_SIGNATURE + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(scanlines.tobytes(), compression))
            + _chunk(b"IEND", b""))
