"""``kl_divergence(p, q)`` for the pairs with a closed form.

    KL(N(m1, s1) || N(m2, s2)) = log(s2 / s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2
    KL(Cat(p) || Cat(q))       = sum_k p_k (log p_k - log q_k)
    KL(Bern(p) || Bern(q))     = p log(p/q) + (1 - p) log((1 - p)/(1 - q))
"""
from ..ops import elementwise as E
from ..ops import reduce as R
from .continuous import Normal
from .discrete import Bernoulli, Categorical


def kl_divergence(p, q):
    if isinstance(p, Normal) and isinstance(q, Normal):
        ratio = p.scale / q.scale
        return (ratio * ratio + ((p.loc - q.loc) / q.scale) ** 2 - 1) * 0.5 - E.log(ratio)
    if isinstance(p, Categorical) and isinstance(q, Categorical):
        return R.sum(p.probs * (p.logits - q.logits), -1)
    if isinstance(p, Bernoulli) and isinstance(q, Bernoulli):
        from ..nn.functional import binary_cross_entropy_with_logits as bce  # noqa: PLC0415
        return bce(q.logits, p.probs, reduction="none") - bce(p.logits, p.probs,
                                                               reduction="none")
    raise NotImplementedError(f"kl_divergence({type(p).__name__}, {type(q).__name__}) is not "
                              "implemented")
