"""Regularised autoencoders: sparse (KL or L1 on the code) and contractive.

Sparse autoencoder (Ng, "Sparse autoencoder", CS294A lecture notes, 2011). With sigmoid code
units h_j in (0, 1) and their mean over the batch rho^_j = (1/N) sum_n h_j(x_n)::

    KL(rho || rho^_j) = rho log(rho / rho^_j) + (1 - rho) log((1 - rho) / (1 - rho^_j))
    loss = reconstruction + beta * sum_j KL(rho || rho^_j)             (sparsity="kl")
    loss = reconstruction + beta * (1/N) sum_n sum_j |h_j(x_n)|        (sparsity="l1")

Contractive autoencoder (Rifai et al., "Contractive auto-encoders", ICML 2011)::

    loss = reconstruction + lam * (1/N) sum_n ||J_f(x_n)||_F^2,   J_f(x) = dh/dx (H x D)

In general ||J||_F^2 is computed with double backward: for each code unit j,
autograd.grad(h[:, j].sum(), x, create_graph=True) is row j of every sample's Jacobian
(samples do not interact in the encoder), and the penalty stays differentiable. For one
sigmoid layer h = sigmoid(W x + b) it has the closed form

    ||J_f(x)||_F^2 = sum_j (h_j (1 - h_j))^2 sum_i W_ji^2

which costs one forward pass (``jacobian="auto"`` uses it when the encoder is exactly
Sequential(Linear, Sigmoid)).
"""
from .. import nn
from ..autograd import enable_grad, grad, is_grad_enabled
from .autoencoder import Autoencoder, reconstruction_loss
from .base import check_nonnegative, check_probability, split_batch

SPARSITIES = ("kl", "l1")
JACOBIANS = ("auto", "double_backward", "sigmoid")


def kl_sparsity(rho, rho_hat, eps=1e-12):
    """sum_j KL(rho || rho_hat_j) between Bernoulli(rho) and Bernoulli(rho_hat_j)."""
    rho_hat = rho_hat.clamp(eps, 1 - eps)
    return (rho * (rho / rho_hat).log()
            + (1 - rho) * ((1 - rho) / (1 - rho_hat)).log()).sum()


class SparseAutoencoder(Autoencoder):
    """An autoencoder whose code units are mostly inactive (see the module docstring).

    Args (besides :class:`Autoencoder`'s):
        rho (float): target mean activation, in (0, 1).
        beta (float): weight of the sparsity penalty, >= 0.
        sparsity (str): "kl" (code units must be in (0, 1): end the encoder with a sigmoid)
            or "l1".

    ``loss(batch)`` -> {"loss", "reconstruction", "sparsity"} (sparsity unweighted).
    """

    def __init__(self, encoder, decoder, rho=0.05, beta=3.0, sparsity="kl", loss="mse",
                 input_shape=None):
        check_probability("rho (the target mean activation)", rho)
        check_nonnegative("beta (the sparsity weight)", beta)
        if sparsity not in SPARSITIES:
            raise ValueError(f"sparsity must be one of {SPARSITIES}, got {sparsity!r}")
        super().__init__(encoder, decoder, loss=loss, input_shape=input_shape)
        self.rho, self.beta, self.sparsity = rho, beta, sparsity

    def sparsity_penalty(self, h):
        if self.sparsity == "kl":
            low, high = float(h.detach().min()), float(h.detach().max())
            if low < 0 or high > 1:
                raise ValueError(f"sparsity='kl' needs code units in [0, 1] (end the encoder "
                                 f"with a sigmoid), got values in [{low:.3g}, {high:.3g}]")
            return kl_sparsity(self.rho, h.mean(0))
        return h.abs().sum() / h.shape[0]

    def loss(self, batch):
        x, _ = split_batch(batch)
        h = self.encode(x)
        rec = reconstruction_loss(self.decode(h), x, self.loss_kind)
        penalty = self.sparsity_penalty(h)
        return {"loss": rec + self.beta * penalty, "reconstruction": rec, "sparsity": penalty}

    def extra_repr(self):
        return (f"{super().extra_repr()}, rho={self.rho}, beta={self.beta}, "
                f"sparsity={self.sparsity!r}")


def jacobian_penalty_double_backward(encoder, x):
    """(1/N) sum_n ||d encoder(x_n) / d x_n||_F^2 by double backward.

    Differentiable (the graph of each Jacobian row is kept); under ``no_grad`` (evaluation)
    the Jacobian is still computed, and the value comes back detached.
    """
    recording = is_grad_enabled()
    with enable_grad():
        x = x.detach().requires_grad_(True)
        h = encoder(x).reshape(x.shape[0], -1)
        total = 0.0
        for j in range(h.shape[1]):
            (row,) = grad(h[:, j].sum(), x, create_graph=recording, retain_graph=True)
            total = total + (row * row).sum()
    total = total / x.shape[0]
    return total if recording else total.detach()


def jacobian_penalty_sigmoid(linear, x):
    """The closed form for h = sigmoid(linear(x)): (1/N) sum_n sum_j (h_j(1-h_j))^2 ||W_j||^2."""
    h = linear(x).sigmoid()
    slope = h * (1 - h)
    return ((slope * slope) * (linear.weight * linear.weight).sum(1)).sum() / x.shape[0]


def _is_sigmoid_layer(encoder):
    return (isinstance(encoder, nn.Sequential) and len(encoder) == 2
            and isinstance(encoder[0], nn.Linear) and isinstance(encoder[1], nn.Sigmoid))


class ContractiveAutoencoder(Autoencoder):
    """An autoencoder penalised by the encoder Jacobian's squared Frobenius norm.

    Args (besides :class:`Autoencoder`'s):
        lam (float): weight of the contraction penalty, >= 0.
        jacobian (str): "double_backward", "sigmoid" (closed form, the encoder must be
            Sequential(Linear, Sigmoid)) or "auto" (the closed form when it applies).

    ``loss(batch)`` -> {"loss", "reconstruction", "contraction"} (contraction unweighted).
    """

    def __init__(self, encoder, decoder, lam=1e-2, jacobian="auto", loss="mse",
                 input_shape=None):
        check_nonnegative("lam (the contraction weight)", lam)
        if jacobian not in JACOBIANS:
            raise ValueError(f"jacobian must be one of {JACOBIANS}, got {jacobian!r}")
        if jacobian == "sigmoid" and not _is_sigmoid_layer(encoder):
            raise ValueError("jacobian='sigmoid' needs an encoder Sequential(Linear, Sigmoid), "
                             f"got {encoder}")
        super().__init__(encoder, decoder, loss=loss, input_shape=input_shape)
        self.lam, self.jacobian = lam, jacobian

    def contraction(self, x):
        """(1/N) sum_n ||J_f(x_n)||_F^2 by the method chosen in ``jacobian``."""
        self._check(x)
        closed = self.jacobian == "sigmoid" or (
            self.jacobian == "auto" and _is_sigmoid_layer(self.encoder))
        if closed:
            return jacobian_penalty_sigmoid(self.encoder[0], x)
        return jacobian_penalty_double_backward(self.encoder, x)

    def loss(self, batch):
        x, _ = split_batch(batch)
        rec = reconstruction_loss(self(x), x, self.loss_kind)
        penalty = self.contraction(x)
        return {"loss": rec + self.lam * penalty, "reconstruction": rec, "contraction": penalty}

    def extra_repr(self):
        return f"{super().extra_repr()}, lam={self.lam}, jacobian={self.jacobian!r}"
