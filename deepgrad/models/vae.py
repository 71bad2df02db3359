"""Variational autoencoders: Gaussian encoder, Bernoulli or Gaussian decoder, beta, conditional.

Kingma & Welling, "Auto-Encoding Variational Bayes" (ICLR 2014); Higgins et al., "beta-VAE"
(ICLR 2017); Sohn et al., "Learning structured output representation using deep conditional
generative models" (NIPS 2015, the conditional VAE); Burda et al., "Importance weighted
autoencoders" (ICLR 2016).

The encoder gives q(z|x) = N(mu(x), diag(exp(logvar(x)))), the prior is p(z) = N(0, I) and
the decoder gives p(x|z): Bernoulli(sigmoid(logits(z))) or N(mean(z), sigma^2 I).

    reparameterisation   z = mu + exp(logvar / 2) * eps,  eps ~ N(0, I)
    analytic KL          KL(q(z|x) || p(z)) = -1/2 sum_l (1 + logvar_l - mu_l^2 - exp(logvar_l))
    ELBO                 elbo(x) = log p(x|z) - KL   (one z per sample)   <=  log p(x)
    loss                 mean over the batch of  -log p(x|z) + beta * KL
    IWAE (k samples)     log p(x) ~ logsumexp_i [log p(x|z_i) + log p(z_i) - log q(z_i|x)] - log k

The IWAE bound is >= the ELBO in expectation and grows towards log p(x) with k. With a
Bernoulli decoder, -log p(x|z) is the binary cross-entropy summed over pixels (computed from
logits, which is stable); with a Gaussian one it is
1/(2 sigma^2) ||x - mean||^2 + D/2 log(2 pi sigma^2).

A conditional VAE (``n_classes > 0``) appends the one-hot label to the encoder's input and to
z; its batches are (x, y).
"""
import math

from .. import nn
from ..autograd import no_grad
from ..creation import as_tensor, linspace, randn
from ..nn import functional as F
from ..ops.shape import cat
from .base import activation as make_activation
from .base import check_nonnegative, check_positive_int, split_batch

LIKELIHOODS = ("bernoulli", "gaussian")


def gaussian_kl(mu, logvar):
    """KL(N(mu, exp(logvar)) || N(0, I)) per sample, shape (N,)."""
    return -0.5 * (1 + logvar - mu * mu - logvar.exp()).sum(1)


def gaussian_log_density(z, mu, logvar):
    """log N(z; mu, diag(exp(logvar))) summed over the last dimension."""
    return -0.5 * (math.log(2 * math.pi) + logvar + (z - mu) ** 2 / logvar.exp()).sum(-1)


class VAE(nn.Module):
    """A variational autoencoder (see the module docstring for the maths).

    Args:
        input_dim (int): features per sample (inputs of any shape are flattened to it).
        hidden_dims (tuple[int]): widths of the encoder's hidden layers; the decoder mirrors them.
        latent_dim (int): dimension of z.
        likelihood (str): "bernoulli" (data in [0, 1]) or "gaussian".
        beta (float): weight of the KL term in the loss, >= 0 (beta-VAE; 1 is the ELBO).
        sigma (float): standard deviation of the Gaussian decoder.
        n_classes (int): > 0 makes the VAE conditional on a label.
        activation (str): hidden activation.

    With the defaults it is pytorch/examples' MNIST VAE (784-400-20, ReLU, Bernoulli):
    ``encoder[0]``, ``fc_mu``, ``fc_logvar``, ``decoder[0]``, ``decoder[2]`` are its
    fc1, fc21, fc22, fc3, fc4.

    Example::

        vae = VAE()
        terms = vae.loss(x)                # {"loss", "reconstruction", "kl"}
        images = vae.sample(16)            # (16, 784) Bernoulli means
        vae.log_likelihood(x_test, k=100)  # (N,) IWAE estimates of log p(x)
    """

    def __init__(self, input_dim=784, hidden_dims=(400,), latent_dim=20, likelihood="bernoulli",
                 beta=1.0, sigma=1.0, n_classes=0, activation="relu"):
        super().__init__()
        for name, value in (("input_dim", input_dim), ("latent_dim", latent_dim)):
            check_positive_int(name, value)
        hidden_dims = tuple(int(h) for h in hidden_dims)
        if not hidden_dims or min(hidden_dims) < 1:
            raise ValueError(f"hidden_dims must list positive widths, got {hidden_dims}")
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {LIKELIHOODS}, got {likelihood!r}")
        check_nonnegative("beta (the KL weight)", beta)
        if not sigma > 0:
            raise ValueError(f"sigma (the Gaussian decoder's standard deviation) must be > 0, "
                             f"got {sigma!r}")
        if not isinstance(n_classes, int) or n_classes < 0:
            raise ValueError(f"n_classes must be an integer >= 0, got {n_classes!r}")
        self.input_dim, self.hidden_dims, self.latent_dim = input_dim, hidden_dims, latent_dim
        self.likelihood, self.beta, self.sigma = likelihood, beta, sigma
        self.n_classes, self.activation = n_classes, activation
        enc, width = [], input_dim + n_classes
        for h in hidden_dims:
            enc += [nn.Linear(width, h), make_activation(activation)]
            width = h
        self.encoder = nn.Sequential(*enc)
        self.fc_mu, self.fc_logvar = nn.Linear(width, latent_dim), nn.Linear(width, latent_dim)
        dec, width = [], latent_dim + n_classes
        for h in hidden_dims[::-1]:
            dec += [nn.Linear(width, h), make_activation(activation)]
            width = h
        dec.append(nn.Linear(width, input_dim))
        self.decoder = nn.Sequential(*dec)

    # --- inputs ---------------------------------------------------------------------
    def _flat(self, x):
        if x.ndim < 2 or math.prod(x.shape[1:]) != self.input_dim:
            raise ValueError(f"{type(self).__name__} expects inputs of shape (N, "
                             f"{self.input_dim}) (or (N, ...) with {self.input_dim} features), "
                             f"got {tuple(x.shape)}")
        return x.reshape(x.shape[0], self.input_dim)

    def _condition(self, c, n, like):
        if self.n_classes == 0:
            if c is not None:
                raise ValueError("this VAE is not conditional (n_classes=0): build a "
                                 "ConditionalVAE(n_classes, ...) to condition on labels")
            return None
        if c is None:
            raise ValueError(f"this VAE is conditional (n_classes={self.n_classes}): pass the "
                             f"labels c (N,) or one-hot (N, {self.n_classes})")
        if c.ndim == 1:
            c = F.one_hot(c.long(), self.n_classes)
        if tuple(c.shape) != (n, self.n_classes):
            raise ValueError(f"the condition must have shape ({n},) or ({n}, {self.n_classes}), "
                             f"got {tuple(c.shape)}")
        return c.to(like.dtype)

    @staticmethod
    def _join(v, c):
        return v if c is None else cat([v, c], 1)

    # --- the model ------------------------------------------------------------------
    def encode(self, x, c=None):
        """(mu, logvar) of q(z|x), each (N, latent_dim)."""
        x = self._flat(x)
        h = self.encoder(self._join(x, self._condition(c, x.shape[0], x)))
        return self.fc_mu(h), self.fc_logvar(h)

    def reparameterize(self, mu, logvar, eps=None):
        """z = mu + exp(logvar / 2) * eps; eps ~ N(0, I) unless given (same shape as mu)."""
        if eps is None:
            eps = randn(*mu.shape, dtype=mu.dtype, device=mu.device)
        return mu + (0.5 * logvar).exp() * eps

    def decoder_output(self, z, c=None):
        """Logits (Bernoulli) or the mean (Gaussian) of p(x|z), (N, input_dim)."""
        return self.decoder(self._join(z, self._condition(c, z.shape[0], z)))

    def decode(self, z, c=None):
        """The mean of p(x|z): probabilities (Bernoulli) or the Gaussian mean."""
        out = self.decoder_output(z, c)
        return out.sigmoid() if self.likelihood == "bernoulli" else out

    def forward(self, x, c=None):
        """(mean of p(x|z), mu, logvar) with z drawn by reparameterisation."""
        mu, logvar = self.encode(x, c)
        return self.decode(self.reparameterize(mu, logvar), c), mu, logvar

    def log_px_given_z(self, x, out):
        """log p(x|z) per sample from the decoder output ``out``, shape (N,) (or (k, N))."""
        if self.likelihood == "bernoulli":
            return -F.binary_cross_entropy_with_logits(out, x.expand(out.shape),
                                                       reduction="none").sum(-1)
        const = 0.5 * self.input_dim * math.log(2 * math.pi * self.sigma ** 2)
        return -0.5 * ((x - out) ** 2).sum(-1) / self.sigma ** 2 - const

    def _terms(self, x, c, eps):
        x = self._flat(x)
        mu, logvar = self.encode(x, c)
        z = self.reparameterize(mu, logvar, eps)
        return self.log_px_given_z(x, self.decoder_output(z, c)), gaussian_kl(mu, logvar)

    def elbo(self, x, c=None, eps=None):
        """log p(x|z) - KL(q(z|x) || p(z)) per sample, shape (N,), one z per sample."""
        log_px, kl = self._terms(x, c, eps)
        return log_px - kl

    def loss(self, batch, eps=None):
        """{"loss": mean(-log p(x|z) + beta KL), "reconstruction": mean(-log p(x|z)),
        "kl": mean KL}; a conditional VAE reads batch = (x, labels)."""
        x, y = split_batch(batch)
        log_px, kl = self._terms(x, y if self.n_classes else None, eps)
        rec, kl = -log_px.mean(), kl.mean()
        return {"loss": rec + self.beta * kl, "reconstruction": rec, "kl": kl}

    def log_likelihood(self, x, k=100, c=None):
        """Importance-weighted estimate of log p(x) with k samples of q(z|x), shape (N,)."""
        check_positive_int("k (importance samples)", k)
        x = self._flat(x)
        n = x.shape[0]
        mu, logvar = self.encode(x, c)
        eps = randn(k, n, self.latent_dim, dtype=mu.dtype, device=mu.device)
        z = mu + (0.5 * logvar).exp() * eps                              # (k, N, L)
        cond = self._condition(c, n, x)
        flat_z = z.reshape(k * n, self.latent_dim)
        flat_c = None if cond is None else cond.repeat(k, 1)
        out = self.decoder(self._join(flat_z, flat_c)).reshape(k, n, self.input_dim)
        log_prior = -0.5 * (math.log(2 * math.pi) + z * z).sum(-1)     # log N(z; 0, I)
        log_w = self.log_px_given_z(x, out) + log_prior - gaussian_log_density(z, mu, logvar)
        return log_w.logsumexp(0) - math.log(k)

    # --- using a trained model ------------------------------------------------------
    def _eval_no_grad(self, fn):
        was = self.training
        self.eval()
        try:
            with no_grad():
                return fn()
        finally:
            self.train(was)

    def sample(self, n, c=None, generator=None):
        """n samples' decoder means from z ~ N(0, I), shape (n, input_dim)."""
        check_positive_int("n", n)
        dtype = self.fc_mu.weight.dtype
        z = randn(n, self.latent_dim, generator=generator, dtype=dtype,
                  device=self.fc_mu.weight.device)
        return self._eval_no_grad(lambda: self.decode(z, c))

    def reconstruct(self, x, c=None):
        """decode(mu(x)): the deterministic reconstruction, shape (N, input_dim)."""
        return self._eval_no_grad(lambda: self.decode(self.encode(x, c)[0], c))

    def interpolate(self, x1, x2, steps=8, c=None):
        """Decoder means along the straight line from mu(x1) to mu(x2), shape (steps, D).

        x1, x2: single samples (input_dim,) or (1, input_dim); c: one label (an int, a
        one-element tensor or a one-hot row) used all along the path.
        """
        check_positive_int("steps", steps)

        def run():
            a = self.encode(x1.reshape(1, -1), _repeat_label(c, 1))[0]
            b = self.encode(x2.reshape(1, -1), _repeat_label(c, 1))[0]
            t = linspace(0, 1, steps, dtype=a.dtype, device=a.device).reshape(steps, 1)
            return self.decode((1 - t) * a + t * b, _repeat_label(c, steps))
        return self._eval_no_grad(run)

    def extra_repr(self):
        return (f"input_dim={self.input_dim}, hidden_dims={self.hidden_dims}, "
                f"latent_dim={self.latent_dim}, likelihood={self.likelihood!r}, "
                f"beta={self.beta}, sigma={self.sigma}, n_classes={self.n_classes}, "
                f"activation={self.activation!r}")


def _repeat_label(c, n):
    """One condition repeated n times: labels (n,) or one-hot rows (n, n_classes)."""
    if c is None:
        return None
    c = as_tensor(c)
    if c.numel() == 1:
        return c.reshape(1).long().repeat(n)
    return c.reshape(1, -1).repeat(n, 1)


class ConditionalVAE(VAE):
    """A VAE conditioned on a class label (Sohn et al. 2015): ``ConditionalVAE(n_classes, ...)``
    takes the other arguments of :class:`VAE`; ``encode``/``decode``/``sample``/... take the
    labels ``c`` and ``loss`` reads batches (x, labels)."""

    def __init__(self, n_classes, input_dim=784, hidden_dims=(400,), latent_dim=20,
                 likelihood="bernoulli", beta=1.0, sigma=1.0, activation="relu"):
        check_positive_int("n_classes", n_classes)
        super().__init__(input_dim, hidden_dims, latent_dim, likelihood, beta, sigma,
                         n_classes, activation)
