"""The DCGAN generator and discriminator (Radford, Metz & Chintala, "Unsupervised
representation learning with deep convolutional generative adversarial networks", ICLR 2016).

The paper's guidelines, as built here:

* no pooling: the generator upsamples with strided transposed convolutions, the
  discriminator downsamples with strided convolutions (kernel 4, stride 2, padding 1,
  each doubling or halving the side);
* batch norm in both nets, except the generator's output layer and the discriminator's
  input layer;
* ReLU in the generator (tanh at the output, so data must be scaled to [-1, 1]);
  LeakyReLU(0.2) in the discriminator;
* z (N, latent_dim, 1, 1) is projected to a 4 x 4 map with 8 x features channels (for a
  64 x 64 image) by a transposed conv of kernel 4, and the discriminator ends with a conv of
  kernel 4 over its last 4 x 4 map giving one logit per image (sigmoid left to the loss);
* weights drawn from N(0, 0.02), batch-norm scales from N(1, 0.02), biases zero.

``image_size`` must be 4 * 2^m with m >= 1 (8, 16, 32, 64, ...); there are m up/down-sampling
stages and the channel count doubles (discriminator) or halves (generator) at each one.
"""
from .. import nn
from ..autograd import no_grad
from .base import check_positive_int


def _stages(image_size):
    size, stages = image_size, 0
    while size > 4 and size % 2 == 0:
        size //= 2
        stages += 1
    if size != 4 or stages < 1:
        raise ValueError(f"image_size must be 4 * 2^m with m >= 1 (8, 16, 32, 64, ...), got "
                         f"{image_size!r}")
    return stages


def dcgan_init_(module, generator=None):
    """DCGAN's initialisation, in place: conv weights ~ N(0, 0.02), batch-norm weights ~
    N(1, 0.02), biases 0."""
    with no_grad():
        for m in module.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                nn.init.normal_(m.weight, 0.0, 0.02, generator=generator)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.normal_(m.weight, 1.0, 0.02, generator=generator)
                nn.init.zeros_(m.bias)
    return module


class DCGANGenerator(nn.Module):
    """z (N, latent_dim, 1, 1) -> images (N, channels, image_size, image_size) in [-1, 1].

    Args: latent_dim (100), channels (3), features (64: channels of the last hidden map; the
    4 x 4 map has features * 2^(m-1)), image_size (64), generator (for the initial weights).
    """

    def __init__(self, latent_dim=100, channels=3, features=64, image_size=64, generator=None):
        super().__init__()
        for name, value in (("latent_dim", latent_dim), ("channels", channels),
                            ("features", features)):
            check_positive_int(name, value)
        stages = _stages(image_size)
        self.latent_dim, self.channels = latent_dim, channels
        self.features, self.image_size = features, image_size
        width = features * 2 ** (stages - 1)
        layers = [nn.ConvTranspose2d(latent_dim, width, 4, 1, 0, bias=False),
                  nn.BatchNorm2d(width), nn.ReLU(True)]
        for _ in range(stages - 1):
            layers += [nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(width // 2), nn.ReLU(True)]
            width //= 2
        layers += [nn.ConvTranspose2d(width, channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)
        dcgan_init_(self, generator)

    def extra_repr(self):
        return (f"latent_dim={self.latent_dim}, channels={self.channels}, "
                f"features={self.features}, image_size={self.image_size}")

    def forward(self, z):
        if z.ndim == 2:
            z = z.reshape(z.shape[0], z.shape[1], 1, 1)
        if tuple(z.shape[1:]) != (self.latent_dim, 1, 1):
            raise ValueError(f"DCGANGenerator expects z of shape (N, {self.latent_dim}) or "
                             f"(N, {self.latent_dim}, 1, 1), got {tuple(z.shape)}")
        return self.main(z)


class DCGANDiscriminator(nn.Module):
    """images (N, channels, image_size, image_size) -> logits (N, 1).

    Args: channels (3), features (64: channels after the first conv), image_size (64),
    batch_norm (True; False for a WGAN-GP critic, whose penalty is per sample),
    generator (for the initial weights).
    """

    def __init__(self, channels=3, features=64, image_size=64, batch_norm=True, generator=None):
        super().__init__()
        check_positive_int("channels", channels)
        check_positive_int("features", features)
        stages = _stages(image_size)
        self.channels, self.features = channels, features
        self.image_size, self.batch_norm = image_size, bool(batch_norm)
        layers = [nn.Conv2d(channels, features, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        width = features
        for _ in range(stages - 1):
            layers.append(nn.Conv2d(width, width * 2, 4, 2, 1, bias=False))
            if batch_norm:
                layers.append(nn.BatchNorm2d(width * 2))
            layers.append(nn.LeakyReLU(0.2, True))
            width *= 2
        layers.append(nn.Conv2d(width, 1, 4, 1, 0, bias=False))
        self.main = nn.Sequential(*layers)
        dcgan_init_(self, generator)

    def extra_repr(self):
        return (f"channels={self.channels}, features={self.features}, "
                f"image_size={self.image_size}, batch_norm={self.batch_norm}")

    def forward(self, x):
        expected = (self.channels, self.image_size, self.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(f"DCGANDiscriminator expects images of shape (N, "
                             f"{', '.join(map(str, expected))}), got {tuple(x.shape)}")
        return self.main(x).reshape(x.shape[0], 1)
