r"""The averaging rules: factories of SWA and EMA update functions.

Two calling conventions, as in torch:

* ``avg_fn(averaged, current, num_averaged) -> Tensor`` works on one tensor and *returns*
  the new average (``AveragedModel`` copies it into its parameter);
* ``multi_avg_fn(averaged_list, current_list, num_averaged) -> None`` updates a list of
  tensors (all of one device and dtype) *in place*.

``num_averaged`` is the number of snapshots already in the average (an int64 0-d tensor
when ``AveragedModel`` calls, or an int). With ``n = num_averaged``:

    SWA (equal weights):  avg <- avg + (cur - avg) / (n + 1)
    EMA:                  avg <- decay * avg + (1 - decay) * cur
"""
from ...autograd import grad_mode


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         "[0,1] range.")


def _is_float(t):
    return t._data.dtype.kind in "fc"


def get_ema_multi_avg_fn(decay=0.999):
    r"""An in-place exponential moving average over lists of tensors.

    .. math::
        W^{EMA}_0 = W^{model}_0, \qquad
        W^{EMA}_{t+1} = \mathrm{decay}\, W^{EMA}_t + (1 - \mathrm{decay})\, W^{model}_{t+1}

    Floating tensors are updated as ``ema.lerp_(model, 1 - decay)``; integer ones (a
    BatchNorm's ``num_batches_tracked`` with ``use_buffers=True``) get the formula above
    computed in floating point and truncated back into their dtype, as torch.

    Args:
        decay (float): weight of the old average, in [0, 1] (default 0.999).

    Returns:
        ``ema_update(ema_param_list, current_param_list, num_averaged)`` (ignores its third
        argument), for ``AveragedModel(multi_avg_fn=...)``.

    Example::

        ema_model = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999))
    """
    _check_decay(decay)

    @grad_mode.no_grad()
    def ema_update(ema_param_list, current_param_list, _):
        if _is_float(ema_param_list[0]):
            for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                p_ema.lerp_(p_model, 1 - decay)
        else:
            for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                p_ema.copy_(p_ema * decay + p_model * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn():
    r"""An in-place equal (SWA) running average over lists of tensors.

    .. math::
        W^{SWA}_{n+1} = W^{SWA}_n + \frac{W^{model} - W^{SWA}_n}{n + 1}

    where ``n = num_averaged``: floating tensors are updated as
    ``avg.lerp_(model, 1 / (n + 1))``.

    Integer tensors get the formula computed in floating point and truncated back into
    their dtype (what torch's default per-tensor rule does on the CPU). *torch's* list
    function raises for integer tensors instead (its ``addcdiv_``/``add_`` refuse an
    integer division), so ``use_buffers=True`` with BatchNorm's ``num_batches_tracked``
    works here where torch fails.

    Returns:
        ``swa_update(averaged_param_list, current_param_list, num_averaged)``, for
        ``AveragedModel(multi_avg_fn=...)``.
    """

    @grad_mode.no_grad()
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        if _is_float(averaged_param_list[0]):
            weight = 1.0 / (float(num_averaged) + 1.0)
            for p_avg, p_model in zip(averaged_param_list, current_param_list, strict=True):
                p_avg.lerp_(p_model, weight)
        else:
            for p_avg, p_model in zip(averaged_param_list, current_param_list, strict=True):
                p_avg.copy_(p_avg + (p_model - p_avg) / (num_averaged + 1))

    return swa_update


def get_ema_avg_fn(decay=0.999):
    r"""The exponential moving average of one tensor.

    .. math::
        W^{EMA}_{t+1} = \mathrm{decay}\, W^{EMA}_t + (1 - \mathrm{decay})\, W^{model}_{t+1}

    Args:
        decay (float): weight of the old average, in [0, 1] (default 0.999).

    Returns:
        ``ema_update(ema_param, current_param, num_averaged) -> Tensor`` (the new average;
        ``num_averaged`` is ignored), for ``AveragedModel(avg_fn=...)``.
    """
    _check_decay(decay)

    @grad_mode.no_grad()
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn():
    r"""The equal (SWA) running average of one tensor.

    .. math::
        W^{SWA}_{n+1} = W^{SWA}_n + \frac{W^{model} - W^{SWA}_n}{n + 1}

    Returns:
        ``swa_update(averaged_param, current_param, num_averaged) -> Tensor`` (the new
        average), for ``AveragedModel(avg_fn=...)``; it is also ``AveragedModel``'s
        default rule.
    """

    @grad_mode.no_grad()
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update

