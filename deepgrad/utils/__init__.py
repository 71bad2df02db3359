"""Utilities, as ``torch.utils``: ``deepgrad.utils.data`` holds datasets and the DataLoader."""
from . import data  # noqa: F401
from .summary import summary  # noqa: F401 - deepgrad.utils.summary(model, input_size)
