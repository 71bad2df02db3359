"""Reading TensorBoard files back for the tests: TensorBoard's own EventAccumulator, and
the same calls made with torch.utils.tensorboard as the reference."""
import io

import numpy as np
import pytest

import deepgrad
from deepgrad.utils.tensorboard import SummaryWriter

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import (  # noqa: E402
    EventAccumulator)

torch = pytest.importorskip("torch")
from torch.utils.tensorboard import SummaryWriter as TorchWriter  # noqa: E402

ALL = {k: 0 for k in ("scalars", "histograms", "images", "tensors", "audio",
                      "compressedHistograms")}


def read(folder):
    """TensorBoard's view of one run folder (size_guidance 0: keep every event)."""
    return EventAccumulator(str(folder), size_guidance=ALL).Reload()


def both(tmp_path, calls):
    """Run ``calls(writer, lib)`` with deepgrad's and torch's writers in two folders."""
    for lib, cls in (("deepgrad", SummaryWriter), ("torch", TorchWriter)):
        with cls(str(tmp_path / lib)) as w:
            calls(w, deepgrad if lib == "deepgrad" else torch)
    return read(tmp_path / "deepgrad"), read(tmp_path / "torch")


def decode_png(data):
    PIL = pytest.importorskip("PIL.Image")  # an independent PNG decoder
    return np.asarray(PIL.open(io.BytesIO(data)))
