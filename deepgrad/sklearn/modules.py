"""A small network for the NeuralNet estimators, whose sizes are filled in from the data."""
from .. import nn
from ._network import HIDDEN_ACTIVATIONS


class MLPModule(nn.Module):
    """``Linear -> activation [-> Dropout]`` per hidden layer, then a Linear output layer.

    Args:
        n_features_in (int): input features; filled in by the NeuralNet estimators at fit.
        n_outputs (int): outputs (classes for a classifier); filled in likewise.
        hidden_layer_sizes (tuple of int): hidden widths (default ``(100,)``).
        activation (str): ``"relu"`` (default), ``"tanh"``, ``"logistic"`` or ``"identity"``.
        dropout (float): dropout probability after each hidden activation (default 0).

    Shapes: input (N, n_features_in), output (N, n_outputs) (logits or values).
    """

    def __init__(self, n_features_in, n_outputs, hidden_layer_sizes=(100,), activation="relu",
                 dropout=0.0):
        super().__init__()
        if activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(HIDDEN_ACTIVATIONS)}, "
                             f"got {activation!r}")
        layers, width = [], n_features_in
        for size in hidden_layer_sizes:
            layers += [nn.Linear(width, size), HIDDEN_ACTIVATIONS[activation]()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, n_outputs))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)
