"""Restricted Boltzmann machines as modules: Bernoulli-Bernoulli and Gaussian-Bernoulli.

Smolensky (1986); Hinton, "Training products of experts by minimizing contrastive
divergence" (Neural Computation 2002, CD-k); Tieleman, "Training restricted Boltzmann
machines using approximations to the likelihood gradient" (ICML 2008, persistent CD);
Hinton, "A practical guide to training RBMs" (UTML TR 2010-003: momentum, weight decay,
initialisation); Lee, Ekanadham & Ng, "Sparse deep belief net model for visual area V2"
(NIPS 2008, the sparsity target).

Bernoulli visibles v in {0, 1}^D, Bernoulli hiddens h in {0, 1}^H, weights W (H, D),
visible bias b (D,), hidden bias c (H,)::

    energy          E(v, h) = -b.v - c.h - h^T W v          p(v, h) = exp(-E) / Z
    conditionals    p(h_j = 1 | v) = sigmoid(c_j + W_j v)    p(v_i = 1 | h) = sigmoid(b_i + W_:i . h)
    free energy     F(v) = -log sum_h exp(-E(v, h)) = -b.v - sum_j softplus(c_j + W_j v)
    log-likelihood  log p(v) = -F(v) - log Z

The gradient of the mean -log p(v) over data is E_data[dF/dtheta] - E_model[dF/dtheta]. The
model expectation is estimated from a negative sample v- drawn by Gibbs sampling:

    CD-k:  start the chain at the data, k steps of h ~ p(h|v), v ~ p(v|h)
    PCD-k: start the chain at the hidden state where the last update left it (persistent)

so ``loss = (sum_i F(v_i) - sum_i F(v-_i)) / N`` with v- held constant has exactly the CD
gradient (dF/dW = -p(h|v) v^T), and any deepgrad optimizer trains the RBM: ``optim.SGD``
with ``momentum`` and ``weight_decay`` gives Hinton's guide's update. The negative-phase sum
is divided by the *data* batch size N, as scikit-learn does when the persistent chain is
longer than the last (short) batch. ``sparsity_target`` rho adds Lee et al.'s penalty
``sparsity_cost * sum_j (rho - mean_i p(h_j = 1 | v_i))^2``.

Gaussian-Bernoulli RBM (real-valued, standardised data, fixed sigma)::

    E(v, h) = sum_i (v_i - b_i)^2 / (2 sigma^2) - c.h - h^T W v / sigma
    p(h_j = 1 | v) = sigmoid(c_j + W_j v / sigma)       p(v | h) = N(b + sigma W^T h, sigma^2 I)
    F(v) = sum_i (v_i - b_i)^2 / (2 sigma^2) - sum_j softplus(c_j + W_j v / sigma)
"""
from .. import nn
from ..autograd import no_grad
from ..creation import bernoulli, randn, zeros
from ..nn import functional as F
from .base import check_features, check_nonnegative, check_positive_int, split_batch


class RBM(nn.Module):
    """A Bernoulli-Bernoulli restricted Boltzmann machine (maths in the module docstring).

    Args:
        n_visible (int): D, visible units.
        n_hidden (int): H, hidden units.
        k (int): Gibbs steps per negative sample (CD-k / PCD-k). Default 1.
        persistent (bool): persistent CD (the chain survives between calls of ``loss``).
        sparsity_target (float or None): rho in (0, 1), the wanted mean hidden probability.
        sparsity_cost (float): weight of the sparsity penalty (>= 0).
        generator (deepgrad.Generator or None): source of the Gibbs sampler's randomness.
        dtype: parameter dtype (default: deepgrad's default float dtype).

    Parameters: ``weight`` (H, D) ~ N(0, 0.01^2), ``hidden_bias`` (H,), ``visible_bias`` (D,),
    both zero. ``weight`` is scikit-learn's ``components_``.

    Example::

        rbm = RBM(64, 32, k=1, persistent=True)
        opt = optim.SGD(rbm.parameters(), lr=0.05, momentum=0.5)
        for v in loader:                          # v: (N, 64) in [0, 1]
            opt.zero_grad(); rbm.loss(v)["loss"].backward(); opt.step()
        features = rbm.encode(v)                  # p(h = 1 | v)
    """

    def __init__(self, n_visible, n_hidden, k=1, persistent=False, sparsity_target=None,
                 sparsity_cost=0.0, generator=None, dtype=None):
        super().__init__()
        check_positive_int("n_visible", n_visible)
        check_positive_int("n_hidden", n_hidden)
        check_positive_int("k", k)
        check_nonnegative("sparsity_cost", sparsity_cost)
        if sparsity_target is not None and not 0.0 < sparsity_target < 1.0:
            raise ValueError(f"sparsity_target must be in (0, 1) or None, got {sparsity_target!r}")
        self.n_visible, self.n_hidden, self.k = n_visible, n_hidden, k
        self.persistent = bool(persistent)
        self.sparsity_target, self.sparsity_cost = sparsity_target, float(sparsity_cost)
        self.generator = generator
        self.weight = nn.Parameter(randn(n_hidden, n_visible, generator=generator,
                                         dtype=dtype) * 0.01)
        self.hidden_bias = nn.Parameter(zeros(n_hidden, dtype=dtype))
        self.visible_bias = nn.Parameter(zeros(n_visible, dtype=dtype))
        self.chain = None   # the persistent hidden state (PCD), (chain size, H), set on use

    def extra_repr(self):
        return (f"n_visible={self.n_visible}, n_hidden={self.n_hidden}, k={self.k}, "
                f"persistent={self.persistent}, sparsity_target={self.sparsity_target}, "
                f"sparsity_cost={self.sparsity_cost}")

    # --- conditionals ---------------------------------------------------------------------
    def _check(self, v):
        check_features(type(self).__name__, v, (self.n_visible,))

    def mean_hiddens(self, v):
        """p(h = 1 | v), shape (N, H)."""
        return F.linear(v, self.weight, self.hidden_bias).sigmoid()

    def sample_hiddens(self, v):
        return bernoulli(self.mean_hiddens(v).detach(), generator=self.generator)

    def mean_visibles(self, h):
        """p(v = 1 | h), shape (N, D)."""
        return F.linear(h, self.weight.t(), self.visible_bias).sigmoid()

    def sample_visibles(self, h):
        return bernoulli(self.mean_visibles(h).detach(), generator=self.generator)

    def free_energy(self, v):
        """F(v) per sample, shape (N,): -b.v - sum_j softplus(c_j + W_j v)."""
        visible_term = v @ self.visible_bias
        return -visible_term - F.softplus(F.linear(v, self.weight, self.hidden_bias)).sum(1)

    def energy(self, v, h):
        """E(v, h) per sample, shape (N,)."""
        return -(v @ self.visible_bias) - (h @ self.hidden_bias) - (
            F.linear(v, self.weight) * h).sum(1)

    # --- sampling -------------------------------------------------------------------------
    def gibbs(self, v, steps=1):
        """``steps`` block-Gibbs steps v -> h -> v from ``v``; returns the new visible sample."""
        self._check(v)
        check_positive_int("steps", steps)
        with no_grad():
            for _ in range(steps):
                v = self.sample_visibles(self.sample_hiddens(v))
        return v

    def negative_sample(self, v):
        """The chain's visible state v- for the negative phase (no graph is recorded).

        CD-k starts from h ~ p(h | data); PCD-k from the persistent hidden state (zeros, of
        the batch's size, the first time, as scikit-learn's ``h_samples_``). PCD then keeps
        h ~ p(h | v-) for the next call.
        """
        with no_grad():
            if self.persistent:
                if self.chain is None:
                    self.chain = zeros(v.shape[0], self.n_hidden, dtype=self.weight.dtype)
                h = self.chain
            else:
                h = self.sample_hiddens(v)
            for step in range(self.k):
                v_neg = self.sample_visibles(h)
                if step + 1 < self.k:
                    h = self.sample_hiddens(v_neg)
            if self.persistent:
                self.chain = self.sample_hiddens(v_neg)
        return v_neg

    def loss(self, batch):
        """``{"loss", "contrastive_divergence", "sparsity", "reconstruction_error"}``.

        ``loss`` is the CD surrogate (its gradient is the CD-k / PCD-k update) plus the sparsity
        penalty; ``reconstruction_error`` (mean squared error of v -> p(h|v) -> p(v|h), a
        monitor only, computed without a graph) is what Hinton's guide suggests watching.
        """
        v, _ = split_batch(batch)
        self._check(v)
        v_neg = self.negative_sample(v)
        n = v.shape[0]
        cd = (self.free_energy(v).sum() - self.free_energy(v_neg).sum()) / n
        terms = {"contrastive_divergence": cd}
        total = cd
        if self.sparsity_target is not None and self.sparsity_cost > 0:
            q = self.mean_hiddens(v).mean(0)
            sparsity = self.sparsity_cost * ((self.sparsity_target - q) ** 2).sum()
            terms["sparsity"] = sparsity
            total = total + sparsity
        with no_grad():
            terms["reconstruction_error"] = ((self.reconstruct(v) - v) ** 2).mean()
        return {"loss": total, **terms}

    # --- the common model API -----------------------------------------------------------
    def encode(self, v):
        """Features p(h = 1 | v)."""
        self._check(v)
        return self.mean_hiddens(v)

    def decode(self, h):
        """Mean visibles p(v = 1 | h)."""
        return self.mean_visibles(h)

    def reconstruct(self, v):
        """p(v = 1 | p(h = 1 | v)): the mean-field reconstruction."""
        return self.decode(self.encode(v))

    def sample(self, n, steps=1000, start=None):
        """``n`` visible samples after ``steps`` Gibbs steps from uniform noise (or ``start``)."""
        check_positive_int("n", n)
        if start is None:
            half = zeros(n, self.n_visible, dtype=self.weight.dtype) + 0.5
            start = bernoulli(half, generator=self.generator)
        return self.gibbs(start, steps)

    def forward(self, v):
        """``encode(v)``: an RBM used as a layer gives its hidden probabilities."""
        return self.encode(v)


class GaussianBernoulliRBM(RBM):
    """An RBM with Gaussian visible units of fixed standard deviation ``sigma`` (real data).

    Standardise the data (zero mean, unit variance per feature) and keep ``sigma=1``, as
    Hinton's guide advises; learning sigma is unstable. Arguments as :class:`RBM`, plus
    ``sigma`` (> 0). Sampling v | h adds N(0, sigma^2) noise to the mean b + sigma W^T h;
    a Gaussian RBM wants a smaller learning rate (about 1e-3) than a Bernoulli one.
    """

    def __init__(self, n_visible, n_hidden, sigma=1.0, k=1, persistent=False,
                 sparsity_target=None, sparsity_cost=0.0, generator=None, dtype=None):
        if not sigma > 0:
            raise ValueError(f"sigma must be > 0, got {sigma!r}")
        super().__init__(n_visible, n_hidden, k=k, persistent=persistent,
                         sparsity_target=sparsity_target, sparsity_cost=sparsity_cost,
                         generator=generator, dtype=dtype)
        self.sigma = float(sigma)

    def extra_repr(self):
        return super().extra_repr() + f", sigma={self.sigma}"

    def mean_hiddens(self, v):
        return F.linear(v / self.sigma, self.weight, self.hidden_bias).sigmoid()

    def mean_visibles(self, h):
        return F.linear(h, self.weight.t() * self.sigma, self.visible_bias)

    def sample_visibles(self, h):
        mean = self.mean_visibles(h).detach()
        noise = randn(*mean.shape, generator=self.generator, dtype=mean.dtype)
        return mean + self.sigma * noise

    def free_energy(self, v):
        quadratic = ((v - self.visible_bias) ** 2).sum(1) / (2 * self.sigma ** 2)
        return quadratic - F.softplus(F.linear(v / self.sigma, self.weight,
                                               self.hidden_bias)).sum(1)

    def energy(self, v, h):
        quadratic = ((v - self.visible_bias) ** 2).sum(1) / (2 * self.sigma ** 2)
        return quadratic - (h @ self.hidden_bias) - (
            F.linear(v / self.sigma, self.weight) * h).sum(1)

    def sample(self, n, steps=1000, start=None):
        check_positive_int("n", n)
        if start is None:
            start = randn(n, self.n_visible, generator=self.generator, dtype=self.weight.dtype)
        return self.gibbs(start, steps)
