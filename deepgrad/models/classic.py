"""Classic supervised networks: LeNet-5, a configurable MLP, a small CNN and a character RNN.

Every classifier here maps inputs to logits, so ``Trainer(model, optimizer,
nn.CrossEntropyLoss())`` trains it; ``model.loss((x, y))`` -> {"loss": cross-entropy}.

LeNet-5 (LeCun, Bottou, Bengio & Haffner, "Gradient-based learning applied to document
recognition", Proc. IEEE 1998), for 32x32 inputs::

    C1 conv 5x5, 6 maps      -> 6@28x28        156 parameters
    S2 2x2 subsampling       -> 6@14x14
    C3 conv 5x5, 16 maps     -> 16@10x10       2,416 (every C3 map sees all 6 S2 maps)
    S4 2x2 subsampling       -> 16@5x5
    C5 conv 5x5, 120 maps    -> 120@1x1        48,120
    F6 full, 84 units                          10,164
    output full, 10 units                      850          total 61,706

Departures from the paper, as in most modern renditions: C3 is fully connected to S2 (the
paper's sparse connection table gave 1,516 parameters), S2/S4 are plain average (or max)
pooling without the paper's trainable coefficient and bias, the squashing function is
tanh (not 1.7159 tanh(2a/3)), and the output is a linear layer giving logits instead of
Euclidean RBF units. ``padding=2`` accepts 28x28 MNIST digits.
"""
from .. import nn
from .base import activation as make_activation
from .base import (check_features, check_positive_int, check_probability, classification_loss,
                   split_batch)


class LeNet5(nn.Module):
    """LeNet-5 (the module docstring gives the layout and the departures from the paper).

    Args:
        num_classes (int): outputs (10).
        in_channels (int): input channels (1).
        activation (str): "tanh" (the paper) or "relu", ...
        pooling (str): "avg" (the paper's subsampling) or "max".
        padding (int): C1's zero padding: 0 for 32x32 inputs, 2 for 28x28.
    """

    def __init__(self, num_classes=10, in_channels=1, activation="tanh", pooling="avg",
                 padding=0):
        super().__init__()
        if pooling not in ("avg", "max"):
            raise ValueError(f"pooling must be 'avg' or 'max', got {pooling!r}")
        check_positive_int("num_classes", num_classes)
        self.num_classes, self.in_channels = num_classes, in_channels
        self.activation, self.pooling, self.padding = activation, pooling, padding
        pool = nn.AvgPool2d if pooling == "avg" else nn.MaxPool2d
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=padding), make_activation(activation),  # C1
            pool(2),                                                                    # S2
            nn.Conv2d(6, 16, 5), make_activation(activation),                            # C3
            pool(2),                                                                    # S4
            nn.Conv2d(16, 120, 5), make_activation(activation))                          # C5
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(120, 84), make_activation(activation),               # F6
            nn.Linear(84, num_classes))                                                 # output

    def forward(self, x):
        side = 32 - 2 * self.padding
        check_features("LeNet5", x, (self.in_channels, side, side))
        return self.classifier(self.features(x))

    def loss(self, batch):
        return classification_loss(self, batch)

    def extra_repr(self):
        return (f"num_classes={self.num_classes}, in_channels={self.in_channels}, "
                f"activation={self.activation!r}, pooling={self.pooling!r}, padding={self.padding}")


class MLP(nn.Module):
    """A multilayer perceptron: for each hidden width, Linear -> [BatchNorm1d] -> activation
    -> [Dropout]; then a final Linear (logits, or regression outputs).

    Args:
        sizes (list[int]): [input, hidden..., output].
        activation (str): hidden activation ("relu").
        dropout (float): dropout probability after each hidden activation, in [0, 1).
        batch_norm (bool): BatchNorm1d after each hidden Linear.
    """

    def __init__(self, sizes, activation="relu", dropout=0.0, batch_norm=False):
        super().__init__()
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must list at least two positive widths, got {sizes}")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.sizes, self.activation = sizes, activation
        self.dropout, self.batch_norm = dropout, batch_norm
        layers = []
        for a, b in zip(sizes[:-2], sizes[1:-1]):
            layers.append(nn.Linear(a, b))
            if batch_norm:
                layers.append(nn.BatchNorm1d(b))
            layers.append(make_activation(activation))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(sizes[-2], sizes[-1]))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        check_features("MLP", x, (self.sizes[0],))
        return self.net(x)

    def loss(self, batch):
        return classification_loss(self, batch)

    def extra_repr(self):
        return (f"sizes={self.sizes}, activation={self.activation!r}, dropout={self.dropout}, "
                f"batch_norm={self.batch_norm}")


class SimpleCNN(nn.Module):
    """A small CNN: for each width c, Conv(k, padding k//2) -> ReLU -> MaxPool(2); then
    Flatten -> Linear(hidden) -> ReLU -> Dropout -> Linear(num_classes).

    Args:
        in_channels (int), num_classes (int), input_size (int): height = width (2-D) or
            length (1-D) of the inputs, divisible by 2**len(channels).
        channels (tuple[int]): conv widths; kernel_size (int); hidden (int); dropout (float);
        dims (int): 2 for images (N, C, H, W), 1 for sequences (N, C, L) such as MNIST-1D.
    """

    def __init__(self, in_channels=1, num_classes=10, input_size=28, channels=(32, 64),
                 kernel_size=3, hidden=128, dropout=0.0, dims=2):
        super().__init__()
        if dims not in (1, 2):
            raise ValueError(f"dims must be 1 or 2, got {dims!r}")
        if input_size % (2 ** len(channels)):
            raise ValueError(f"input_size {input_size} must be divisible by "
                             f"2**len(channels) = {2 ** len(channels)}")
        check_probability("dropout", dropout, closed=True)
        self.in_channels, self.num_classes, self.input_size = in_channels, num_classes, input_size
        self.channels, self.kernel_size, self.hidden = tuple(channels), kernel_size, hidden
        self.dropout, self.dims = dropout, dims
        conv, pool = (nn.Conv2d, nn.MaxPool2d) if dims == 2 else (nn.Conv1d, nn.MaxPool1d)
        layers, width = [], in_channels
        for c in channels:
            layers += [conv(width, c, kernel_size, padding=kernel_size // 2), nn.ReLU(), pool(2)]
            width = c
        self.features = nn.Sequential(*layers)
        side = input_size // 2 ** len(channels)
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(width * side ** dims, hidden), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(hidden, num_classes))

    def forward(self, x):
        check_features("SimpleCNN", x, (self.in_channels,) + (self.input_size,) * self.dims)
        return self.classifier(self.features(x))

    def loss(self, batch):
        return classification_loss(self, batch)

    def extra_repr(self):
        return (f"in_channels={self.in_channels}, num_classes={self.num_classes}, "
                f"input_size={self.input_size}, channels={self.channels}, "
                f"kernel_size={self.kernel_size}, hidden={self.hidden}, dropout={self.dropout}, "
                f"dims={self.dims}")


class CharRNN(nn.Module):
    """A character-level language model (Karpathy's char-rnn): Embedding -> LSTM/GRU/RNN ->
    Linear to next-character logits.

    Args:
        vocab_size (int), embedding_dim (int), hidden_size (int), num_layers (int),
        cell (str): "lstm", "gru" or "rnn"; dropout (float): between recurrent layers.

    ``forward(idx (N, T), hidden=None)`` -> (logits (N, T, vocab_size), hidden);
    ``loss((idx, next_idx))`` -> {"loss": cross-entropy over every position};
    ``sample(start, length, temperature, generator)`` -> (length,) sampled indices.
    """

    CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}

    def __init__(self, vocab_size, embedding_dim=64, hidden_size=128, num_layers=1,
                 cell="lstm", dropout=0.0):
        super().__init__()
        if cell not in self.CELLS:
            raise ValueError(f"cell must be one of {sorted(self.CELLS)}, got {cell!r}")
        for name, value in (("vocab_size", vocab_size), ("embedding_dim", embedding_dim),
                            ("hidden_size", hidden_size), ("num_layers", num_layers)):
            check_positive_int(name, value)
        self.vocab_size, self.embedding_dim = vocab_size, embedding_dim
        self.hidden_size = hidden_size
        self.num_layers, self.cell, self.dropout = num_layers, cell, dropout
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.rnn = self.CELLS[cell](embedding_dim, hidden_size, num_layers, batch_first=True,
                                    dropout=dropout)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, idx, hidden=None):
        if idx.ndim != 2:
            raise ValueError(f"CharRNN expects indices of shape (N, T), got {tuple(idx.shape)}")
        out, hidden = self.rnn(self.embedding(idx), hidden)
        return self.head(out), hidden

    def loss(self, batch):
        from ..nn import functional as F
        idx, target = split_batch(batch)
        if target is None:
            raise ValueError("CharRNN.loss needs the next characters: pass a batch (idx, target)")
        logits, _ = self(idx)
        return {"loss": F.cross_entropy(logits.reshape(-1, self.vocab_size), target.reshape(-1))}

    def sample(self, start, length=100, temperature=1.0, generator=None):
        """Feed ``start`` (a list of indices), then draw ``length`` characters one at a time
        from softmax(logits / temperature). Returns a list of indices."""
        from ..autograd import no_grad
        from ..creation import multinomial, tensor
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature!r}")
        was = self.training
        self.eval()
        out = []
        try:
            with no_grad():
                logits, hidden = self(tensor([list(start)]))
                for _ in range(length):
                    probs = (logits[0, -1] / temperature).softmax(-1)
                    nxt = int(multinomial(probs, 1, generator=generator)[0])
                    out.append(nxt)
                    logits, hidden = self(tensor([[nxt]]), hidden)
        finally:
            self.train(was)
        return out

    def extra_repr(self):
        return (f"vocab_size={self.vocab_size}, embedding_dim={self.embedding_dim}, "
                f"hidden_size={self.hidden_size}, num_layers={self.num_layers}, "
                f"cell={self.cell!r}, dropout={self.dropout}")
