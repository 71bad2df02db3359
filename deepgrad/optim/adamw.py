"""AdamW: Adam with decoupled weight decay."""
from .adam import Adam


class AdamW(Adam):
    r"""Adam with the weight decay *decoupled* from the gradient.

    Adam with an L2 penalty adds ``weight_decay * p`` to the gradient, which then gets
    divided by ``sqrt(v_hat)``: weights with large gradients are decayed less. AdamW
    shrinks the weights directly instead, before the Adam step::

        p <- p * (1 - lr * weight_decay)
        m_t, v_t, m_hat, v_hat as in Adam (with the raw gradient g_t)
        p <- p - lr * m_hat / (sqrt(v_hat) + eps)

    Args: as :class:`Adam`, but ``weight_decay`` defaults to 1e-2 and is decoupled.

    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq`` (and ``max_exp_avg_sq``).

    Example::

        opt = deepgrad.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)

    Reference: Loshchilov & Hutter (2019), "Decoupled Weight Decay Regularization", ICLR.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         foreach=foreach, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)
