"""Helpers shared by the lab tools: matplotlib on demand, argument checks, NumPy views."""
import numpy as np

from ..tensor import Tensor


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend (figures go to files)."""
    try:
        import matplotlib  # noqa: PLC0415 - an optional extra
    except ImportError as error:
        raise ImportError("deepgrad.lab plots need matplotlib: pip install deepgrad[plot]") \
            from error
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415
    return plt


def to_numpy(x):
    return x.detach().cpu().numpy() if isinstance(x, Tensor) else np.asarray(x)


def check_model(model, who):
    if not (hasattr(model, "parameters") and callable(model)):
        raise TypeError(f"{who}: model must be an nn.Module (callable with parameters()), "
                        f"got {type(model).__name__}")


def check_nonempty(x, name, who):
    n = x.shape[0] if hasattr(x, "shape") and len(x.shape) else (len(x) if hasattr(x, "__len__")
                                                                 else None)
    if n == 0:
        raise ValueError(f"{who}: {name} is empty (0 samples)")


def module_modes(model):
    """The training flag of every submodule, to restore after a tool switched modes."""
    return [(m, m.training) for m in model.modules()]


def restore_modes(modes):
    for module, training in modes:
        module.training = training
