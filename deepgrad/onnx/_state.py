"""Whether an export is running (``deepgrad.onnx.is_in_onnx_export``), and ``TrainingMode``.

A flag and not a thread-local, as in PyTorch: an export traces the model by
running it (twice, see ``_probe``), and code that asks runs inside that call.
"""
import enum

_exporting = False


def is_in_onnx_export():
    """True while ``deepgrad.onnx.export`` is running the model to trace it, else False."""
    return _exporting


def set_exporting(value):
    global _exporting
    previous, _exporting = _exporting, bool(value)
    return previous


class TrainingMode(enum.IntEnum):
    """``torch.onnx.TrainingMode``: the mode a model is exported in (only EVAL is written
    here; PRESERVE is accepted for a model already in eval mode)."""
    EVAL = 0
    PRESERVE = 1
    TRAINING = 2
