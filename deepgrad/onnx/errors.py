"""The exporter's errors, named as in ``torch.onnx.errors``."""


class OnnxExporterError(RuntimeError):
    """Something in the model cannot be written as ONNX (nothing was written)."""


class UnsupportedOperatorError(OnnxExporterError):
    """An op or a module has no exporter; the message names it and where it is in the model."""
