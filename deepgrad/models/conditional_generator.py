"""A conditional 1-D convolutional generator (for signals such as MNIST-1D's 40 samples).

Conditional GANs feed the label to the generator as a one-hot code beside z
(Mirza & Osindero 2014); an MLP generator built so on MNIST-1D let several classes'
samples drift (AC-GAN, bench/models_gan.py: 0.722 of samples classified as their label,
three classes at 0.06-0.49). Convolutions that see the label at *every* layer reach
0.866 (two seeds): the layers share their filters along the signal, and no layer can lose
the condition.
"""
from .. import nn
from ..ops.shape import cat
from .base import check_positive_int


class ConditionalConvGenerator1d(nn.Module):
    """A conditional 1-D convolutional generator for 40-sample signals: G(cat[z, one_hot(y)]).

        cat[z, y]  -> Linear -> BatchNorm -> ReLU                   (N, width, 10)
        [cat label channels -> Upsample x2 (nearest) -> Conv1d(k=5) -> BatchNorm -> ReLU] x 2
                                                                    (N, width, 20), (N, width/2, 40)
        cat label channels -> Conv1d(k=5)                           (N, 1, 40) -> (N, 40)

    The one-hot label enters every layer as ``n_classes`` constant channels, not only the
    input, so no layer can lose it (the idea of conditioning every layer, as conditional
    batch norm does with a per-class scale and shift). Nearest upsampling then a convolution,
    instead of a stride-2 transposed convolution, gives every output sample the same number
    of kernel taps (Odena, Dumoulin & Olah, "Deconvolution and checkerboard artifacts",
    Distill 2016: uneven overlap makes periodic artefacts). The input is the one
    ``ConditionalGAN.generate`` builds; the last ``n_classes`` columns are the label.
    """

    def __init__(self, latent_dim, n_classes=10, width=32, length=40):
        super().__init__()
        for name, value in (("latent_dim", latent_dim), ("n_classes", n_classes),
                            ("width", width), ("length", length)):
            check_positive_int(name, value)
        if length % 4:
            raise ValueError(f"length must be a multiple of 4 (two x2 upsamplings), got {length}")
        if width < 2:
            raise ValueError(f"width must be >= 2 (the last block has width // 2 channels), "
                             f"got {width}")
        self.n_classes, self.width, self.length = n_classes, width, length
        self.project = nn.Sequential(nn.Linear(latent_dim + n_classes, width * length // 4),
                                     nn.BatchNorm1d(width * length // 4), nn.ReLU())
        self.up = nn.Upsample(scale_factor=2)
        self.block1 = nn.Sequential(nn.Conv1d(width + n_classes, width, 5, padding=2),
                                    nn.BatchNorm1d(width), nn.ReLU())
        self.block2 = nn.Sequential(nn.Conv1d(width + n_classes, width // 2, 5, padding=2),
                                    nn.BatchNorm1d(width // 2), nn.ReLU())
        self.out = nn.Conv1d(width // 2 + n_classes, 1, 5, padding=2)

    def _with_label(self, h, label):
        n, length = h.shape[0], h.shape[2]
        channels = label.reshape(n, self.n_classes, 1).expand(n, self.n_classes, length)
        return cat([h, channels], 1)

    def forward(self, z_and_label):
        n, label = z_and_label.shape[0], z_and_label[:, -self.n_classes:]
        h = self.project(z_and_label).reshape(n, self.width, self.length // 4)
        h = self.block1(self._with_label(self.up(h), label))
        h = self.block2(self._with_label(self.up(h), label))
        return self.out(self._with_label(h, label)).reshape(n, self.length)

    def extra_repr(self):
        return f"n_classes={self.n_classes}, width={self.width}, length={self.length}"
