"""Deep belief networks: RBMs stacked greedily, then fine-tuned as a classifier by backprop.

Hinton, Osindero & Teh, "A fast learning algorithm for deep belief nets" (Neural Computation
2006); Hinton & Salakhutdinov, "Reducing the dimensionality of data with neural networks"
(Science 2006); Bengio et al., "Greedy layer-wise training of deep networks" (NIPS 2006).

Greedy pretraining: the first RBM learns the data; each next RBM learns the hidden
probabilities p(h | v) of the one below (its "data"), so every layer adds a layer of
features and, for the generative model, improves a variational bound on log p(v).

Fine-tuning (Bengio et al.'s variant, not the up-down algorithm): the stack becomes a
feed-forward net, x -> sigmoid(W_1 x + c_1) -> ... -> sigmoid(W_L . + c_L) -> Linear -> logits,
sharing the RBMs' weights and hidden biases, and all of it is trained with cross-entropy.
"""
from .. import nn
from ..autograd import no_grad
from ..optim import SGD
from ..random import Generator
from ..tensor import Tensor
from .base import check_features, check_positive_int, classification_loss
from .rbm import RBM, GaussianBernoulliRBM


def fit_rbm(rbm, data, epochs=10, lr=0.1, batch_size=10, momentum=0.0, weight_decay=0.0,
            shuffle=True, generator=None):
    """Train ``rbm`` on the rows of ``data`` (a Tensor) with ``optim.SGD`` on its CD loss.

    ``weight_decay`` applies to the weights only. Returns the mean reconstruction error of
    each epoch (Hinton's guide's monitor; the CD loss itself is not a likelihood).
    """
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    if not isinstance(data, Tensor) or data.ndim != 2:
        raise ValueError(f"fit_rbm needs a 2-d Tensor of samples, got "
                         f"{getattr(data, 'shape', type(data).__name__)}")
    groups = [{"params": [rbm.weight], "weight_decay": float(weight_decay)},
              {"params": [rbm.hidden_bias, rbm.visible_bias], "weight_decay": 0.0}]
    optimizer = SGD(groups, lr=lr, momentum=momentum)
    n = data.shape[0]
    errors = []
    for _ in range(epochs):
        order = None
        if shuffle:
            from ..creation import randperm   # noqa: PLC0415
            order = randperm(n, generator=generator)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = slice(start, start + batch_size) if order is None else \
                order[start:start + batch_size]
            batch = data[idx]
            optimizer.zero_grad()
            terms = rbm.loss(batch)
            terms["loss"].backward()
            optimizer.step()
            total += terms["reconstruction_error"].item() * batch.shape[0]
        errors.append(total / n)
    return errors


class DBN(nn.Module):
    """A stack of RBMs (sizes[0] -> sizes[1] -> ...) with a softmax output layer.

    Args:
        sizes (sequence of int): visible size, then each hidden layer's size.
        n_classes (int): outputs of the classifier head (0: no head; ``forward`` then returns
            the top layer's features).
        k (int), persistent (bool): each RBM's CD-k / PCD settings.
        gaussian_input (bool): the first RBM is a GaussianBernoulliRBM (real-valued data).
        generator: deepgrad.Generator for the samplers and shuffling.

    Example::

        dbn = DBN([64, 128, 64], n_classes=10)
        dbn.pretrain(X, epochs=10, lr=0.05)           # greedy, layer by layer
        Trainer(dbn, optim.SGD(dbn.parameters(), 0.1), nn.CrossEntropyLoss()).fit((X, y))
    """

    def __init__(self, sizes, n_classes=0, k=1, persistent=False, gaussian_input=False,
                 generator=None):
        super().__init__()
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must list >= 2 positive layer sizes, got {sizes}")
        if not isinstance(n_classes, int) or n_classes < 0:
            raise ValueError(f"n_classes must be an integer >= 0, got {n_classes!r}")
        self.sizes, self.n_classes, self.k, self.persistent = sizes, n_classes, k, persistent
        self.gaussian_input = bool(gaussian_input)
        self.generator = generator
        layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            cls = GaussianBernoulliRBM if (i == 0 and gaussian_input) else RBM
            layers.append(cls(n_in, n_out, k=k, persistent=persistent, generator=generator))
        self.rbms = nn.ModuleList(layers)
        self.head = nn.Linear(sizes[-1], n_classes) if n_classes else None

    def extra_repr(self):
        return (f"sizes={self.sizes}, n_classes={self.n_classes}, k={self.k}, "
                f"persistent={self.persistent}, gaussian_input={self.gaussian_input}")

    def pretrain(self, data, epochs=10, lr=0.1, batch_size=10, momentum=0.5, weight_decay=0.0,
                 gaussian_lr=None):
        """Greedy layer-wise training; returns one list of epoch reconstruction errors per RBM.

        Layer i trains on p(h | .) of layer i - 1 computed from ``data`` (probabilities, not
        samples, as Hinton et al. advise). ``gaussian_lr``: learning rate of a Gaussian first
        layer (default lr / 10).
        """
        check_features(type(self).__name__, data, (self.sizes[0],))
        generator = self.generator if self.generator is not None else Generator().manual_seed(0)
        histories = []
        layer_input = data
        for i, rbm in enumerate(self.rbms):
            rate = lr
            if isinstance(rbm, GaussianBernoulliRBM):
                rate = gaussian_lr if gaussian_lr is not None else lr / 10
            rbm.chain = None
            histories.append(fit_rbm(rbm, layer_input, epochs, rate, batch_size, momentum,
                                     weight_decay, generator=generator))
            with no_grad():
                layer_input = rbm.mean_hiddens(layer_input)
        return histories

    def features(self, x):
        """The top layer's p(h | x), through the whole stack."""
        check_features(type(self).__name__, x, (self.sizes[0],))
        for rbm in self.rbms:
            x = rbm.mean_hiddens(x)
        return x

    encode = features

    def forward(self, x):
        """Class logits (or the top features when there is no head)."""
        h = self.features(x)
        return self.head(h) if self.head is not None else h

    def loss(self, batch):
        """``{"loss": cross_entropy(logits, y)}`` (fine-tuning)."""
        if self.head is None:
            raise ValueError("this DBN has no classifier head (n_classes=0); loss is the "
                             "fine-tuning loss, pretrain with pretrain()")
        return classification_loss(self, batch)

    def sample(self, n, steps=1000):
        """Samples of the visible layer: Gibbs in the top RBM, then one top-down pass of
        mean p(v | h) through the lower layers (the DBN's directed part)."""
        with no_grad():
            top = self.rbms[-1].sample(n, steps)
            for rbm in reversed(list(self.rbms)[:-1]):
                top = rbm.mean_visibles(top)
        return top
