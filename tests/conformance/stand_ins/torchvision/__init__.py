"""An offline stand-in for the few parts of torchvision the example programs use.

It is not torchvision: it holds only what the conformance suite's programs call,
with torchvision's names and arguments, and it is written on top of whichever
``torch`` is imported (real torch, or deepgrad under the torch alias), so one
stand-in serves both runs. Data sets are built offline (see ``datasets``).
"""
from . import datasets, models, transforms, utils  # noqa: F401

__version__ = "0.0.0+conformance-stand-in"
