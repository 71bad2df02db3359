"""log Z of a Bernoulli RBM: exact enumeration for small models, annealed importance sampling.

Neal, "Annealed importance sampling" (Statistics and Computing 2001); Salakhutdinov & Murray,
"On the quantitative analysis of deep belief networks" (ICML 2008).

Exact (H small). Summing the visibles out analytically for each hidden configuration::

    Z = sum_h exp(c.h) prod_i (1 + exp(b_i + (W^T h)_i))
    log Z = logsumexp_h [ c.h + sum_i softplus(b_i + (W^T h)_i) ]       (2^H terms)

AIS. A base RBM A with no weights, visible bias b_A and zero hidden bias has
log Z_A = sum_i softplus(b_A_i) + H log 2 and exact samples. The distributions in between,
for 0 = beta_0 < beta_1 < ... < beta_K = 1, are p_k(v) ~ p*_k(v) with::

    log p*_k(v) = (1 - beta_k) b_A.v + beta_k b.v + sum_j softplus(beta_k (c_j + W_j v))

Each chain starts at v ~ A and, for k = 1..K, adds log p*_k(v) - log p*_{k-1}(v) to its log
weight, then moves v by one Gibbs step that leaves p_k invariant
(h ~ sigmoid(beta_k (W v + c)), v ~ sigmoid((1 - beta_k) b_A + beta_k (W^T h + b))).
The mean weight estimates Z_B / Z_A:  log Z ~ log Z_A + logmeanexp(log w). The estimate is
unbiased in Z (so slightly low in log Z on average) and tightens with K and the chains.
All arithmetic here is in float64 NumPy on copies of the parameters.
"""
import itertools

import numpy as np

from .base import check_positive_int


def _softplus(x):
    return np.logaddexp(0.0, x)


def _logmeanexp(x):
    top = x.max()
    return float(top + np.log(np.mean(np.exp(x - top))))


def _params(rbm):
    from .rbm import GaussianBernoulliRBM   # noqa: PLC0415 - avoids an import cycle
    if isinstance(rbm, GaussianBernoulliRBM):
        raise TypeError("these estimates are for Bernoulli RBMs; a GaussianBernoulliRBM's "
                        "log Z has the closed form per hidden state given in its docstring")
    as64 = lambda t: np.asarray(t.detach().cpu().numpy(), dtype=np.float64)  # noqa: E731
    return as64(rbm.weight), as64(rbm.visible_bias), as64(rbm.hidden_bias)


def exact_log_partition(rbm, max_hidden=20):
    """log Z by enumerating the 2^H hidden states (visibles summed analytically)."""
    W, b, c = _params(rbm)
    H = W.shape[0]
    if H > max_hidden:
        raise ValueError(f"exact enumeration needs 2^{H} hidden states; only H <= "
                         f"{max_hidden} is allowed (use ais_log_partition)")
    states = np.array(list(itertools.product((0.0, 1.0), repeat=H)))      # (2^H, H)
    terms = states @ c + _softplus(states @ W + b).sum(1)
    top = terms.max()
    return float(top + np.log(np.exp(terms - top).sum()))


def ais_log_partition(rbm, n_chains=100, n_betas=1000, base_visible_bias=None, seed=0):
    """Annealed importance sampling estimate of log Z (see the module docstring).

    Args:
        rbm: a Bernoulli :class:`~deepgrad.models.rbm.RBM`.
        n_chains (int): independent AIS runs. n_betas (int): intermediate distributions K.
        base_visible_bias (array (D,) or None): b_A of the base model; Salakhutdinov & Murray
            use the data's log-odds, log(p / (1 - p)). Default zeros (uniform visibles).
        seed (int): seed of the NumPy generator used for the chains.

    Returns:
        (log_Z, log_weights): the estimate and the (n_chains,) array of AIS log weights.
    """
    check_positive_int("n_chains", n_chains)
    check_positive_int("n_betas", n_betas)
    W, b, c = _params(rbm)
    H, D = W.shape
    b_a = np.zeros(D) if base_visible_bias is None else np.asarray(base_visible_bias, float)
    if b_a.shape != (D,):
        raise ValueError(f"base_visible_bias must have shape ({D},), got {b_a.shape}")
    rng = np.random.default_rng(seed)
    betas = np.linspace(0.0, 1.0, n_betas + 1)

    def log_p_star(v, beta):
        return ((1 - beta) * v @ b_a + beta * v @ b
                + _softplus(beta * (v @ W.T + c)).sum(1))

    v = (rng.random((n_chains, D)) < 1.0 / (1.0 + np.exp(-b_a))).astype(np.float64)
    log_w = np.zeros(n_chains)
    for prev, beta in zip(betas[:-1], betas[1:]):
        log_w += log_p_star(v, beta) - log_p_star(v, prev)
        p_h = 1.0 / (1.0 + np.exp(-beta * (v @ W.T + c)))
        h = (rng.random(p_h.shape) < p_h).astype(np.float64)
        p_v = 1.0 / (1.0 + np.exp(-((1 - beta) * b_a + beta * (h @ W + b))))
        v = (rng.random(p_v.shape) < p_v).astype(np.float64)
    log_z_base = _softplus(b_a).sum() + H * np.log(2.0)
    return float(log_z_base + _logmeanexp(log_w)), log_w
