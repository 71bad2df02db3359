"""Utilities, as ``torch.utils``: ``deepgrad.utils.data`` holds datasets and the DataLoader."""
from . import data  # noqa: F401
