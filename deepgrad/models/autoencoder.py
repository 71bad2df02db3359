"""Autoencoders: the plain one, MLP and convolutional builders, tied weights, denoising.

An autoencoder learns an encoder f and a decoder g so that g(f(x)) reproduces x through a
narrow or regularised code h = f(x) (Hinton & Salakhutdinov, "Reducing the dimensionality
of data with neural networks", Science 2006). Its loss averages a per-sample
reconstruction error over the batch::

    "mse":  L = (1/N) sum_n ||x_n - g(f(x_n))||^2          (sum over features)
    "bce":  L = (1/N) sum_n sum_i -[x_ni log x^_ni + (1 - x_ni) log(1 - x^_ni)]   (x^ in [0,1])

Tied weights (``tied=True`` in :meth:`Autoencoder.mlp`): each decoder layer uses the
transpose of its mirror encoder layer's weight, g_k(h) = W_k^T h + c_k, so the pair holds
one weight matrix (and two biases).

Denoising (Vincent et al., "Extracting and composing robust features with denoising
autoencoders", ICML 2008; JMLR 2010): the encoder sees a corrupted x~ and the loss compares
g(f(x~)) with the clean x. Corruptions (:func:`corrupt`), with ``level`` = v:

    gaussian         x~ = x + v * e,  e ~ N(0, 1)
    masking          x~_i = 0 with probability v, else x_i
    salt_and_pepper  x~_i = low or high (each with probability 1/2) with probability v

See also ``sparse_autoencoder.py`` (sparse, contractive) and ``stacked_autoencoder.py``.
"""
from .. import nn
from ..creation import rand, randn
from ..ops.elementwise import where
from ..nn import functional as F
from .base import activation, check_features, check_nonnegative, check_probability, split_batch

RECONSTRUCTION_LOSSES = ("mse", "bce")
NOISES = ("gaussian", "masking", "salt_and_pepper")


class TiedLinear(nn.Module):
    """A Linear layer run backwards with a borrowed weight: y = x W + b, where
    W (out, in) is ``linear.weight`` (shared) and b (in,) is this layer's own bias.

    The tied Linear is kept outside this module's registry (it belongs to the encoder), so
    the weight appears once in ``parameters()`` and ``state_dict()``.
    """

    def __init__(self, linear):
        super().__init__()
        object.__setattr__(self, "_tied", linear)   # not a submodule: the encoder owns it
        self.bias = nn.Parameter(linear.weight.detach().new_zeros(linear.in_features))

    def forward(self, x):
        return F.linear(x, self._tied.weight.t(), self.bias)

    def extra_repr(self):
        return (f"in_features={self._tied.out_features}, "
                f"out_features={self._tied.in_features}, tied=True")


def mlp_encoder_decoder(sizes, activation_name="relu", output_activation=None, tied=False):
    """Encoder Linear(s0, s1) act ... Linear(s_{L-1}, s_L) act, and its mirror decoder whose
    last layer is followed by ``output_activation`` (None: linear output)."""
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least two positive layer widths, got {sizes}")
    enc, dec, linears = [], [], []
    for a, b in zip(sizes[:-1], sizes[1:]):
        linears.append(nn.Linear(a, b))
        enc += [linears[-1], activation(activation_name)]
    for i, (a, b) in enumerate(zip(sizes[::-1][:-1], sizes[::-1][1:])):
        dec.append(TiedLinear(linears[-1 - i]) if tied else nn.Linear(a, b))
        last = i == len(sizes) - 2
        dec.append(activation(output_activation if last else activation_name))
    return nn.Sequential(*enc), nn.Sequential(*dec)


def conv_encoder_decoder(in_channels=1, input_size=(28, 28), channels=(16, 32), kernel_size=3,
                         activation_name="relu", output_activation="sigmoid"):
    """Strided Conv2d layers (each halves height and width) and mirror ConvTranspose2d ones."""
    depth = len(channels)
    if any(s % (2 ** depth) for s in input_size):
        raise ValueError(f"input_size {tuple(input_size)} must be divisible by 2**len(channels) "
                         f"= {2 ** depth} so that the decoder restores it")
    pad = kernel_size // 2
    widths = [in_channels, *channels]
    enc, dec = [], []
    for a, b in zip(widths[:-1], widths[1:]):
        enc += [nn.Conv2d(a, b, kernel_size, stride=2, padding=pad), activation(activation_name)]
    back = widths[::-1]
    for i, (a, b) in enumerate(zip(back[:-1], back[1:])):
        dec.append(nn.ConvTranspose2d(a, b, kernel_size, stride=2, padding=pad, output_padding=1))
        dec.append(activation(output_activation if i == depth - 1 else activation_name))
    return nn.Sequential(*enc), nn.Sequential(*dec)


def reconstruction_loss(x_hat, x, kind):
    """Per-sample reconstruction error summed over features, averaged over the batch."""
    n = x.shape[0]
    if kind == "mse":
        return F.mse_loss(x_hat, x, reduction="sum") / n
    return F.binary_cross_entropy(x_hat, x, reduction="sum") / n


def corrupt(x, noise="gaussian", level=0.1, generator=None, low=0.0, high=1.0):
    """A corrupted copy of ``x`` (see the module docstring); ``x`` itself is not changed."""
    if noise not in NOISES:
        raise ValueError(f"noise must be one of {NOISES}, got {noise!r}")
    if noise == "gaussian":
        check_nonnegative("noise level (the Gaussian standard deviation)", level)
        return x + level * randn(*x.shape, generator=generator, dtype=x.dtype, device=x.device)
    check_probability(f"noise level (the {noise} probability)", level, closed=True)
    hit = rand(*x.shape, generator=generator, dtype=x.dtype, device=x.device) < level
    if noise == "masking":
        return where(hit, x.new_zeros(()), x)
    salt = rand(*x.shape, generator=generator, dtype=x.dtype, device=x.device) < 0.5
    extreme = where(salt, x.new_full((), high), x.new_full((), low))
    return where(hit, extreme, x)


class Autoencoder(nn.Module):
    """x^ = decoder(encoder(x)), trained to reconstruct x.

    Args:
        encoder, decoder (nn.Module): f and g.
        loss (str): "mse" or "bce" (decoder outputs in [0, 1]); see the module docstring.
        input_shape (tuple): the shape of one sample; inputs of another shape are refused
            with a clear error (None: not checked).

    ``encode(x)``, ``decode(h)``, ``forward(x)`` = ``reconstruct`` with gradients,
    ``reconstruct(x)`` (eval, no graph), ``loss(batch)`` -> {"loss", "reconstruction"}.

    Example::

        ae = Autoencoder.mlp([784, 128, 32], output_activation="sigmoid", loss="bce")
        ae.loss(x)["loss"].backward()
    """

    def __init__(self, encoder, decoder, loss="mse", input_shape=None):
        super().__init__()
        if loss not in RECONSTRUCTION_LOSSES:
            raise ValueError(f"loss must be one of {RECONSTRUCTION_LOSSES}, got {loss!r}")
        self.encoder, self.decoder = encoder, decoder
        self.loss_kind = loss
        self.input_shape = None if input_shape is None else tuple(int(s) for s in input_shape)

    @classmethod
    def mlp(cls, sizes, activation="relu", output_activation=None, tied=False, **kwargs):
        """An MLP autoencoder: ``sizes`` = [input, hidden..., code] (the decoder mirrors it)."""
        enc, dec = mlp_encoder_decoder(sizes, activation, output_activation, tied)
        return cls(enc, dec, input_shape=(int(sizes[0]),), **kwargs)

    @classmethod
    def conv(cls, in_channels=1, input_size=(28, 28), channels=(16, 32), kernel_size=3,
             activation="relu", output_activation="sigmoid", **kwargs):
        """A convolutional autoencoder for (N, in_channels, H, W) images."""
        enc, dec = conv_encoder_decoder(in_channels, input_size, channels, kernel_size,
                                        activation, output_activation)
        return cls(enc, dec, input_shape=(in_channels, *input_size), **kwargs)

    def _check(self, x):
        check_features(type(self).__name__, x, self.input_shape)

    def encode(self, x):
        self._check(x)
        return self.encoder(x)

    def decode(self, h):
        return self.decoder(h)

    def forward(self, x):
        return self.decode(self.encode(x))

    def reconstruct(self, x):
        """g(f(x)) in eval mode without recording a graph (the modes are restored after)."""
        from ..autograd import no_grad
        was = self.training
        self.eval()
        try:
            with no_grad():
                return self(x)
        finally:
            self.train(was)

    def loss(self, batch):
        x, _ = split_batch(batch)
        rec = reconstruction_loss(self(x), x, self.loss_kind)
        return {"loss": rec, "reconstruction": rec}

    def extra_repr(self):
        return f"loss={self.loss_kind!r}, input_shape={self.input_shape}"


class DenoisingAutoencoder(Autoencoder):
    """Reconstruct the clean x from a corrupted x~ (Vincent et al. 2008).

    Args (besides :class:`Autoencoder`'s):
        noise (str): "gaussian", "masking" or "salt_and_pepper".
        noise_level (float): the Gaussian standard deviation, or the probability that an
            entry is masked / replaced.
        low, high (float): the pepper and salt values.

    ``loss(batch)`` -> {"loss", "reconstruction"}: the error of g(f(x~)) against x.
    Corruption applies in ``loss`` only; ``forward``/``reconstruct`` see the input as given.
    """

    def __init__(self, encoder, decoder, noise="gaussian", noise_level=0.1, loss="mse",
                 input_shape=None, low=0.0, high=1.0):
        if noise not in NOISES:
            raise ValueError(f"noise must be one of {NOISES}, got {noise!r}")
        if noise == "gaussian":
            check_nonnegative("noise_level (the Gaussian standard deviation)", noise_level)
        else:
            check_probability(f"noise_level (the {noise} probability)", noise_level, closed=True)
        super().__init__(encoder, decoder, loss=loss, input_shape=input_shape)
        self.noise, self.noise_level, self.low, self.high = noise, noise_level, low, high

    def corrupt(self, x, generator=None):
        return corrupt(x, self.noise, self.noise_level, generator, self.low, self.high)

    def loss(self, batch):
        x, _ = split_batch(batch)
        rec = reconstruction_loss(self(self.corrupt(x)), x, self.loss_kind)
        return {"loss": rec, "reconstruction": rec}

    def extra_repr(self):
        return (f"{super().extra_repr()}, noise={self.noise!r}, noise_level={self.noise_level}, "
                f"low={self.low}, high={self.high}")
