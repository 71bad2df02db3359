r"""Weight averaging (``torch.optim.swa_utils``): SWA and EMA of a model's weights.

Stochastic Weight Averaging (SWA) keeps, next to the model being trained, the equal
average of the weights it visits late in training (typically one snapshot per epoch,
under a constant or cyclical learning rate). After the n-th snapshot ``theta``::

    theta_swa <- theta_swa + (theta - theta_swa) / (n + 1)

the running mean of all snapshots so far (``theta_swa`` starts as the first snapshot).
The average lies in a flatter region of the loss than any single snapshot and usually
generalises better. The exponential moving average (EMA) weights recent snapshots
more::

    theta_ema <- decay * theta_ema + (1 - decay) * theta

The pieces:

* :class:`AveragedModel` holds a copy of the model whose parameters (and, with
  ``use_buffers=True``, buffers) are the running average; ``update_parameters(model)``
  adds a snapshot.
* :class:`SWALR` anneals each param group's learning rate to a constant ``swa_lr``.
* :func:`update_bn` recomputes BatchNorm's running statistics for the averaged weights
  (the statistics of the trained model do not belong to the averaged one).
* ``get_swa_avg_fn``/``get_ema_avg_fn`` (one tensor at a time) and
  ``get_swa_multi_avg_fn``/``get_ema_multi_avg_fn`` (lists, in place) make the update
  rules, to pass to ``AveragedModel(avg_fn=...)`` or ``AveragedModel(multi_avg_fn=...)``.

Example (the usual SWA recipe)::

    from deepgrad.optim.swa_utils import SWALR, AveragedModel, update_bn

    swa_model = AveragedModel(model)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=100)
    swa_scheduler = SWALR(optimizer, swa_lr=0.05)
    swa_start = 75
    for epoch in range(100):
        for x, y in loader:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        if epoch >= swa_start:
            swa_model.update_parameters(model)
            swa_scheduler.step()
        else:
            scheduler.step()
    update_bn(loader, swa_model)   # BatchNorm statistics for the averaged weights
    swa_model(x_test)              # predict with the averaged model

References:
    Izmailov, Podoprikhin, Garipov, Vetrov & Wilson (2018), "Averaging Weights Leads to
    Wider Optima and Better Generalization", UAI (arXiv:1803.05407).
    Polyak & Juditsky (1992), "Acceleration of Stochastic Approximation by Averaging",
    SIAM J. Control Optim. (the averaging of iterates that SWA and EMA build on).
"""
from ._averaged_model import AveragedModel
from ._averaging import (get_ema_avg_fn, get_ema_multi_avg_fn, get_swa_avg_fn,
                         get_swa_multi_avg_fn)
from ._bn import update_bn
from ._swalr import SWALR

__all__ = ["SWALR", "AveragedModel", "get_ema_avg_fn", "get_ema_multi_avg_fn", "get_swa_avg_fn",
           "get_swa_multi_avg_fn", "update_bn"]
