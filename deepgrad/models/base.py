"""What every model family shares: the batch convention, argument checks, and the adapter
that lets ``deepgrad.train.Trainer`` minimise a model's own ``loss``.

The one API across ``deepgrad.models``::

    model.loss(batch) -> {"loss": total, "<term>": ..., ...}     # 0-d tensors, batch means

``batch`` is a tensor ``x`` or a pair ``(x, y)``; unsupervised models ignore ``y``,
conditional models read it as the condition, classifiers as the labels.

``Trainer`` computes ``loss_fn(model(x), y)``. ``Objective(model)`` is a module whose
forward passes ``x`` through untouched and whose ``loss_fn(x, y)`` returns
``model.loss((x, y))["loss"]``, so any model with a ``loss`` trains with the Trainer's
callbacks, checkpoints and progress::

    objective = Objective(vae)
    Trainer(objective, optim.Adam(vae.parameters(), 1e-3), objective.loss_fn,
            progress=None).fit((X, X), epochs=10, batch_size=128)   # the targets are ignored
"""
from .. import nn
from ..nn import functional as F
from ..nn.modules.module import Module
from ..tensor import Tensor


_ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "gelu": nn.GELU,
                "elu": nn.ELU, "leaky_relu": nn.LeakyReLU, "identity": nn.Identity}


def activation(name):
    """A new activation module from its name (None means the identity)."""
    key = "identity" if name is None else str(name).lower()
    if key not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; known: {sorted(_ACTIVATIONS)}")
    return _ACTIVATIONS[key]()


def split_batch(batch):
    """``(x, y)`` of a batch given as a tensor, ``(x,)`` or ``(x, y)``; y is None if absent."""
    if isinstance(batch, (tuple, list)):
        if len(batch) == 1:
            return batch[0], None
        if len(batch) == 2:
            return batch[0], batch[1]
        raise ValueError(f"a batch must be x, (x,) or (x, y), got {len(batch)} elements")
    return batch, None


def check_probability(name, value, closed=False):
    """``value`` must lie in (0, 1) (or [0, 1] when ``closed``)."""
    ok = (0.0 <= value <= 1.0) if closed else (0.0 < value < 1.0)
    if not ok:
        interval = "[0, 1]" if closed else "(0, 1)"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")


def check_nonnegative(name, value):
    if not value >= 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")


def check_positive_int(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def check_features(model_name, x, expected_shape):
    """Raise a clear error unless ``x`` is a batch of samples of ``expected_shape``."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{model_name} expects a deepgrad Tensor, got {type(x).__name__}")
    if expected_shape is not None and tuple(x.shape[1:]) != tuple(expected_shape):
        raise ValueError(f"{model_name} expects inputs of shape (N, "
                         f"{', '.join(map(str, expected_shape))}), got {tuple(x.shape)}")


def classification_loss(model, batch):
    """``{"loss": cross_entropy(model(x), y)}`` for a classifier; labels are required."""
    x, y = split_batch(batch)
    if y is None:
        raise ValueError(f"{type(model).__name__}.loss needs labels: pass a batch (x, y)")
    return {"loss": F.cross_entropy(model(x), y)}


class Objective(Module):
    """Adapter from ``model.loss(batch)`` to ``Trainer``'s ``loss_fn(output, target)``.

    ``forward(x)`` returns ``x`` unchanged; ``loss_fn(x, y)`` is ``model.loss((x, y))["loss"]``.
    The wrapped model is a submodule, so ``parameters()``, ``train()``/``eval()``,
    ``to(device)`` and checkpoints (keys prefixed ``model.``) all reach it.
    """

    def __init__(self, model):
        super().__init__()
        if not callable(getattr(model, "loss", None)):
            raise TypeError(f"Objective needs a model with a loss(batch) method, got "
                            f"{type(model).__name__}")
        self.model = model

    def forward(self, x):
        return x

    def loss_fn(self, x, y):
        return self.model.loss((x, y))["loss"]
