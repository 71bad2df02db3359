"""Stacked autoencoders: greedy layer-wise pretraining, then fine-tuning as a classifier.

Bengio et al., "Greedy layer-wise training of deep networks" (NIPS 2006); Vincent et al.
(JMLR 2010) for the denoising variant. With layer widths s_0 (input) .. s_L::

    for k = 1..L:   train the one-hidden-layer autoencoder
                        h_k = act(W_k h_{k-1} + b_k),  h^_{k-1} = V_k h_k + c_k
                    on h_{k-1} = the codes of the layers already trained (kept fixed);
    then            put a Linear(s_L, n_classes) head on top and train everything with
                    cross-entropy on the labelled data (``deepgrad.train.Trainer``).

The decoders V_k are discarded after pretraining; only the W_k, b_k initialise the network.
"""
from .. import nn
from ..autograd import no_grad
from ..creation import as_tensor
from .autoencoder import Autoencoder, DenoisingAutoencoder
from .base import activation as make_activation
from .base import Objective, check_positive_int, classification_loss


class StackedAutoencoder(nn.Module):
    """A deep encoder pretrained one layer at a time, with a classification head.

    Args:
        sizes (list[int]): [input, hidden_1, ..., hidden_L].
        n_classes (int): outputs of the head (logits).
        activation (str): the hidden units' activation ("sigmoid", "relu", "tanh", ...).
        noise (str or None): corrupt each layer's input during pretraining ("gaussian",
            "masking", "salt_and_pepper": a stacked denoising autoencoder), or None.
        noise_level (float): the corruption's level (see ``autoencoder.corrupt``).

    ``forward(x)`` gives logits, so ``Trainer(model, opt, nn.CrossEntropyLoss())`` fine-tunes
    it directly; ``encode(x)`` gives the top code; ``loss((x, y))`` -> {"loss"}.

    Example::

        sae = StackedAutoencoder([40, 128, 64], n_classes=10)
        sae.pretrain(X_all, epochs=20)                       # unlabelled data
        Trainer(sae, optim.Adam(sae.parameters(), 1e-3), nn.CrossEntropyLoss()).fit((X, y))
    """

    def __init__(self, sizes, n_classes, activation="sigmoid", noise=None, noise_level=0.1):
        super().__init__()
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must list at least two positive widths, got {sizes}")
        check_positive_int("n_classes", n_classes)
        self.sizes, self.n_classes = sizes, n_classes
        self.activation, self.noise, self.noise_level = activation, noise, noise_level
        self.encoders = nn.ModuleList(
            nn.Sequential(nn.Linear(a, b), make_activation(activation))
            for a, b in zip(sizes[:-1], sizes[1:]))
        self.head = nn.Linear(sizes[-1], n_classes)

    def encode(self, x):
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise ValueError(f"StackedAutoencoder expects inputs of shape (N, {self.sizes[0]}), "
                             f"got {tuple(x.shape)}")
        for layer in self.encoders:
            x = layer(x)
        return x

    def forward(self, x):
        return self.head(self.encode(x))

    def loss(self, batch):
        return classification_loss(self, batch)

    def layer_autoencoder(self, k):
        """The k-th layer's autoencoder: its encoder is ``self.encoders[k]`` (shared)."""
        a, b = self.sizes[k], self.sizes[k + 1]
        decoder = nn.Sequential(nn.Linear(b, a))
        if self.noise is None:
            return Autoencoder(self.encoders[k], decoder, input_shape=(a,))
        return DenoisingAutoencoder(self.encoders[k], decoder, noise=self.noise,
                                    noise_level=self.noise_level, input_shape=(a,))

    def pretrain(self, X, epochs=10, lr=1e-3, batch_size=64, seed=None, progress=None):
        """Greedy layer-wise pretraining on the inputs ``X`` (N, sizes[0]), labels unused.

        Each layer's autoencoder is trained with Adam(lr) by ``deepgrad.train.Trainer``.
        Returns the final training reconstruction loss of each layer.
        """
        from ..optim import Adam
        from ..train import Trainer
        check_positive_int("epochs", epochs)
        h = as_tensor(X, dtype=self.head.weight.dtype)
        if h.ndim != 2 or h.shape[1] != self.sizes[0]:
            raise ValueError(f"pretrain expects inputs of shape (N, {self.sizes[0]}), got "
                             f"{tuple(h.shape)}")
        losses = []
        for k in range(len(self.encoders)):
            ae = self.layer_autoencoder(k)
            objective = Objective(ae)
            trainer = Trainer(objective, Adam(ae.parameters(), lr=lr), objective.loss_fn,
                              progress=progress, seed=None if seed is None else seed + k,
                              batch_size=batch_size)
            history = trainer.fit((h, h), epochs=epochs)
            losses.append(history.history["loss"][-1])
            with no_grad():
                h = self.encoders[k](h)
        return losses

    def extra_repr(self):
        return (f"sizes={self.sizes}, n_classes={self.n_classes}, activation={self.activation!r}, "
                f"noise={self.noise!r}, noise_level={self.noise_level}")
