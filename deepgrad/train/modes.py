"""Evaluation as the Trainer runs it: the model in eval mode, no graph recorded."""
import contextlib

from ..autograd import no_grad


@contextlib.contextmanager
def evaluating(model):
    """Run the block with ``model.eval()`` and ``no_grad``; afterwards every submodule gets
    back its own training flag (a model half in train mode stays so)."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with no_grad():
            yield
    finally:
        for module, training in modes:
            module.training = training
