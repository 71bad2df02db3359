"""``AveragedModel``: a copy of a model whose weights are a running (SWA or EMA) average."""
import copy
import itertools

from ... import creation, dtypes
from ...autograd import grad_mode
from ...nn.modules.module import Module
from ._averaging import get_swa_avg_fn


class AveragedModel(Module):
    r"""A model whose parameters are the running average of another model's parameters.

    Wraps a deep copy of ``model`` (as ``self.module``: no memory is shared with the
    original) and counts the snapshots taken in the ``n_averaged`` buffer (int64). Each
    ``update_parameters(model)`` adds ``model``'s current weights to the average; with
    ``n = n_averaged`` snapshots already in, the default rule is the equal (SWA) average

    .. math::
        \theta_{SWA} \leftarrow \theta_{SWA} + \frac{\theta - \theta_{SWA}}{n + 1},

    i.e. the mean of all snapshots; ``multi_avg_fn=get_ema_multi_avg_fn(decay)`` gives
    the exponential moving average
    :math:`\theta_{EMA} \leftarrow \mathrm{decay}\,\theta_{EMA} + (1-\mathrm{decay})\,\theta`.
    The first call (``n_averaged == 0``) just copies the weights. Calling the averaged
    model runs the copy's ``forward``.

    Args:
        model (Module): the model whose weights are averaged.
        device (optional): where to keep the averaged copy (default: where ``model`` is).
        avg_fn (callable, optional): ``avg_fn(averaged, current, num_averaged) -> Tensor``,
            called per tensor; its result becomes the new averaged value.
        multi_avg_fn (callable, optional): ``multi_avg_fn(averaged_list, current_list,
            num_averaged)``, updating lists of tensors (grouped by device and dtype) in
            place. At most one of ``avg_fn``/``multi_avg_fn``; with neither, the SWA average.
        use_buffers (bool): average the buffers too (BatchNorm running statistics, ...);
            if False (default) the copy's buffers are just set to ``model``'s at each
            update (then use :func:`update_bn` to recompute BatchNorm statistics).

    The functions are not saved by ``state_dict()``; ``n_averaged`` is.

    Example::

        swa_model = AveragedModel(model)
        ema_model = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999),
                                  use_buffers=True)
        for epoch in range(epochs):
            train_one_epoch(model, optimizer)
            swa_model.update_parameters(model)
            ema_model.update_parameters(model)
        update_bn(loader, swa_model)

    Reference: Izmailov et al. (2018), "Averaging Weights Leads to Wider Optima and Better
    Generalization", UAI (arXiv:1803.05407).
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", creation.tensor(0, dtype=dtypes.long, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        """Run the averaged copy: ``self.module(*args, **kwargs)``."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        """Add ``model``'s current parameters (and buffers, with ``use_buffers``) to the
        average; ``n_averaged`` grows by one. Nothing is recorded by autograd."""
        with grad_mode.no_grad():
            self._update(model)

    def _update(self, model):
        if self.use_buffers:
            mine = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.parameters(), model.parameters()
        first = bool(self.n_averaged == 0)
        averaged, current = [], []
        for p_avg, p_model in zip(mine, theirs, strict=False):  # as torch
            avg = p_avg.detach()
            cur = p_model.detach().to(avg.device)
            averaged.append(avg)
            current.append(cur)
            if first:
                avg.copy_(cur)
        if not first:
            self._average(averaged, current)
        if not self.use_buffers:
            # buffers are not averaged: they follow the source model
            for b_avg, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                b_avg.detach().copy_(b_model.detach().to(b_avg.device))
        self.n_averaged += 1

    def _average(self, averaged, current):
        if self.avg_fn is not None:
            for avg, cur in zip(averaged, current, strict=True):
                avg.copy_(self.avg_fn(avg, cur, self.n_averaged.to(avg.device)))
            return
        for device, avg_list, cur_list in _group_by_device_and_dtype(averaged, current):
            n_averaged = self.n_averaged.to(device)
            if self.multi_avg_fn is not None:
                self.multi_avg_fn(avg_list, cur_list, n_averaged)
            else:  # the per-tensor SWA rule (what torch runs on the CPU)
                swa = get_swa_avg_fn()
                for avg, cur in zip(avg_list, cur_list, strict=True):
                    avg.copy_(swa(avg, cur, n_averaged))


def _group_by_device_and_dtype(averaged, current):
    """``(device, averaged_group, current_group)`` for each (device, dtype) of ``averaged``,
    in order of first appearance."""
    groups = {}
    for avg, cur in zip(averaged, current, strict=True):
        key = (str(avg.device), avg._data.dtype.str)
        if key not in groups:
            groups[key] = (avg.device, [], [])
        groups[key][1].append(avg)
        groups[key][2].append(cur)
    return list(groups.values())
