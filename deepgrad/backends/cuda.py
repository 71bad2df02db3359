"""``deepgrad.backends.cuda``: torch's CUDA backend switches.

``matmul.allow_tf32`` and friends are recorded with torch's defaults; deepgrad's GPU
matmuls are CuPy's, which run in the arrays' own precision, so the flags change nothing.
``is_built()`` is true when CuPy is installed (deepgrad's CUDA support is CuPy).
"""
import importlib.util


class _MatmulFlags:
    """``torch.backends.cuda.matmul``: attributes set by training scripts."""

    def __init__(self):
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built():
    """True when CuPy, deepgrad's CUDA back end, is installed (it may still see no GPU)."""
    return importlib.util.find_spec("cupy") is not None
