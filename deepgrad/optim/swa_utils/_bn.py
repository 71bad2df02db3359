"""``update_bn``: BatchNorm running statistics recomputed for a model's current weights."""
from ...autograd import grad_mode
from ...nn.modules.batchnorm import _BatchNorm


@grad_mode.no_grad()
def update_bn(loader, model, device=None):
    r"""Recompute the ``running_mean``/``running_var`` of every BatchNorm layer of ``model``
    with one pass over ``loader``.

    The statistics a BatchNorm layer accumulated while training belong to the weights of
    that time, not to an average of weights (:class:`AveragedModel`). Here each layer's
    statistics are reset (mean 0, variance 1, ``num_batches_tracked`` 0) and its
    ``momentum`` set to None, so that training-mode forward passes make the running
    statistics the *cumulative* average over the k batches seen:

    .. math::
        \mu_{run} \leftarrow \mu_{run} + \frac{\mu_B - \mu_{run}}{k},

    (the same for the unbiased batch variance): the plain mean of the per-batch statistics.
    Afterwards every momentum is restored and ``model`` is put back in its training mode
    (``model.train(was_training)``, which sets every submodule to the top module's mode).
    If ``model`` has no BatchNorm layer, nothing is done (``loader`` is not read).

    Args:
        loader (iterable): the data, e.g. a ``DataLoader``; each batch is a tensor, or a
            list/tuple whose first element is the input tensor (``(input, target)``).
        model (Module): the model whose BatchNorm statistics are recomputed.
        device (optional): if given, each input is moved there before ``model(input)``.

    Example::

        update_bn(train_loader, swa_model)
        swa_model.eval()
        predictions = swa_model(x_test)
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    try:
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    finally:
        for module, momentum in momenta.items():
            module.momentum = momentum
        model.train(was_training)
