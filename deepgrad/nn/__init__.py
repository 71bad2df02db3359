"""``deepgrad.nn``: layers, losses, initialisation and regularisation with torch.nn's API.

Use it as ``import deepgrad.nn as nn`` (or ``from deepgrad import nn``); the
stateless functions are in ``deepgrad.nn.functional`` (``import deepgrad.nn.functional as F``).
"""
from . import functional  # noqa: F401
from .modules import (Flatten, Identity, Module, ModuleDict, ModuleList,  # noqa: F401
                      ParameterDict, ParameterList, Sequential, Unflatten)
from .parameter import Buffer, Parameter  # noqa: F401

# --- conv, pooling, upsampling, embedding, dropout, normalization (other helpers)

# --- recurrent, maxout (other helper)
