"""The layer classes of ``deepgrad.nn`` (each family in its own file)."""
from .container import (Flatten, Identity, ModuleDict, ModuleList, ParameterDict,  # noqa: F401
                        ParameterList, Sequential, Unflatten)
from .module import Module  # noqa: F401

# --- conv, pooling, upsampling, embedding, dropout, normalization (other helpers)

# --- recurrent, maxout (other helper)
