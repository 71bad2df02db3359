"""``deepgrad.onnx``: export models to ONNX, as ``torch.onnx`` does.

``export`` needs the optional ``onnx`` package (``pip install deepgrad[onnx]``);
``is_in_onnx_export`` does not.
"""
from ._state import TrainingMode, is_in_onnx_export
from .errors import OnnxExporterError, UnsupportedOperatorError
from .export import export

__all__ = ["export", "is_in_onnx_export", "OnnxExporterError", "TrainingMode",
           "UnsupportedOperatorError"]
