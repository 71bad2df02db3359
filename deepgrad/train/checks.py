"""Checks that run before ``fit``/``evaluate`` change anything.

``check_arguments`` validates the Trainer's own arguments. ``dry_run`` pushes the first two
samples of the data through the model and the loss, in eval mode and without recording a
graph (so no running statistic, optimizer state or random stream moves), and turns a
failure into an error naming the shapes involved: the input batch and what the model did
with it, the model's output and the targets, a loss that is not a scalar, a metric that
cannot read the output.
"""
from ..tensor import Tensor
from ..utils.data import IterableDataset
from .data import unpack_batch
from .metrics import to_numpy
from .modes import evaluating

# losses that compare output and target entry by entry: broadcasting (N, 1) against (N,)
# would silently compute an (N, N) loss, so the shapes must be equal
_ELEMENTWISE_LOSSES = {"MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss",
                       "BCEWithLogitsLoss", "LogCoshLoss"}


def check_arguments(model, optimizer, loss_fn, accumulate, grad_clip, batch_size):
    if not hasattr(model, "parameters") or not callable(model):
        raise TypeError(f"model must be a deepgrad.nn.Module, got {type(model).__name__}")
    if not hasattr(optimizer, "step") or not hasattr(optimizer, "zero_grad"):
        raise TypeError(f"optimizer must be a deepgrad.optim.Optimizer, got "
                        f"{type(optimizer).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable (e.g. nn.CrossEntropyLoss()), got "
                        f"{type(loss_fn).__name__}")
    if not isinstance(accumulate, int) or accumulate < 1:
        raise ValueError(f"accumulate must be a positive integer, got {accumulate!r}")
    if grad_clip is not None and not float(grad_clip) > 0:
        raise ValueError(f"grad_clip (a maximum gradient norm) must be > 0, got {grad_clip!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")


def _shape(value):
    if isinstance(value, (tuple, list)):
        return [_shape(v) for v in value]
    return tuple(value.shape) if hasattr(value, "shape") else type(value).__name__


def _sample_batch(loader):
    """The first two samples of a map-style dataset, collated; None when that is not possible."""
    ds = loader.dataset
    if isinstance(ds, IterableDataset) or loader.batch_size is None:
        return None
    try:
        n = len(ds)
    except TypeError:
        return None
    if n == 0:
        raise ValueError("the data is empty: no samples to train or evaluate on")
    return loader.collate_fn([ds[i] for i in range(min(2, n))])


def dry_run(trainer, loader, need_targets=True, move=None):
    """Raise a clear error if the first samples cannot go through model, loss and metrics."""
    batch = _sample_batch(loader)
    if batch is None:
        return
    x, y = unpack_batch(batch)
    if move is not None:
        x, y = move(x), move(y)
    model, loss_fn = trainer.model, trainer.loss_fn
    with evaluating(model):
        try:
            out = model(x)
        except Exception as e:  # noqa: BLE001 - re-raised with the shapes named
            raise ValueError(f"the model ({type(model).__name__}) cannot take the data's "
                             f"inputs (the first samples as a batch have shape "
                             f"{_shape(x)}): {e}") from e
        if not need_targets:
            return
        if y is None:
            raise ValueError("the data has inputs but no targets: pass (X, y) or a "
                             "dataset whose samples are (input, target) pairs")
        name = type(loss_fn).__name__
        if (name in _ELEMENTWISE_LOSSES and isinstance(out, Tensor)
                and isinstance(y, Tensor) and tuple(out.shape) != tuple(y.shape)):
            raise ValueError(f"{name} compares entry by entry, but the model's output has "
                             f"shape {_shape(out)} and the targets {_shape(y)}; make them "
                             f"equal (e.g. y.reshape(-1, 1) or a model output of y's shape)")
        try:
            loss = loss_fn(out, y)
        except Exception as e:  # noqa: BLE001
            raise ValueError(f"loss_fn ({name}) cannot compare the model's output of shape "
                             f"{_shape(out)} with the targets of shape {_shape(y)}: {e}") from e
        if not isinstance(loss, Tensor) or loss.ndim != 0:
            raise ValueError(f"loss_fn ({name}) must return a scalar (0-d) tensor, got "
                             f"{_shape(loss)}; use reduction='mean' (or 'sum')")
        for metric in trainer.metrics:
            try:
                metric.check(to_numpy(out), to_numpy(y))
            except Exception as e:  # noqa: BLE001
                raise ValueError(f"metric {metric.name!r} cannot read the model's output "
                                 f"{_shape(out)} and targets {_shape(y)}: {e}") from e
