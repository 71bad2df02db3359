"""Helpers shared by the model tests: copying weights into a torch twin."""
import numpy as np

from tests.conftest import torch


def load_into_torch(torch_module, state, rename=None):
    """Load a deepgrad state_dict (optionally with keys renamed) into a torch module, exactly."""
    rename = rename or {}
    tensors = {rename.get(k, k): torch.from_numpy(np.array(v.numpy(), copy=True))
               for k, v in state.items()}
    torch_module.load_state_dict(tensors)
    return torch_module
