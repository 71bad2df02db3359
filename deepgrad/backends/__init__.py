"""``deepgrad.backends``: torch's backend flags and availability checks, answered truthfully."""
from . import cuda, cudnn, mkldnn, mps, openmp

__all__ = ["cuda", "cudnn", "mkldnn", "mps", "openmp"]
