"""Ready-made objectives for ``deepgrad.lab.tune``: Trainer runs on MNIST-1D.

An objective is a picklable object (so process and MPI pools can ship it) called as
``objective(config, epochs) -> score``. ``MNIST1DObjective`` trains a fresh MLP with SGD
(momentum 0.9) for ``epochs`` epochs with the config's ``lr`` (and optional ``hidden``,
``weight_decay``, ``batch_size``) and returns the validation accuracy.
"""
import numpy as np


class MNIST1DObjective:
    """Validation accuracy of an MLP on MNIST-1D after ``epochs`` epochs of SGD.

    Args:
        num_train (int): training examples taken from MNIST-1D's 4,000 (first ones).
        num_val (int): validation examples taken from the 1,000 test examples.
        hidden (int): default hidden width when the config has no ``hidden``.
        seed (int): seeds the Trainer (initial weights and shuffling): every trial with
            the same config and budget gives the same score.
        loss_type ("accuracy" or "val_loss"): return the validation accuracy, or minus the
            validation loss (so that ``mode="max"`` fits both).

    MNIST-1D has no separate validation split: the validation examples are the first
    ``num_val`` of its test split, so a score tuned here is not an unbiased test score.
    """

    def __init__(self, num_train=4000, num_val=1000, hidden=100, seed=0, loss_type="accuracy"):
        if loss_type not in ("accuracy", "val_loss"):
            raise ValueError(f"loss_type must be 'accuracy' or 'val_loss', got {loss_type!r}")
        self.num_train, self.num_val, self.hidden = num_train, num_val, hidden
        self.seed, self.loss_type = seed, loss_type

    def data(self):
        from ..datasets import load_mnist1d  # noqa: PLC0415 - only when a trial runs
        d = load_mnist1d()
        x, y = d["x"][: self.num_train], d["y"][: self.num_train]
        xv, yv = d["x_test"][: self.num_val], d["y_test"][: self.num_val]
        return ((x.astype(np.float32), y.astype(np.int64)),
                (xv.astype(np.float32), yv.astype(np.int64)))

    def __call__(self, config, epochs):
        from .. import nn, optim  # noqa: PLC0415
        from ..models import MLP  # noqa: PLC0415
        from ..random import manual_seed  # noqa: PLC0415
        from ..train import Trainer  # noqa: PLC0415
        train, val = self.data()
        lr = float(config["lr"])
        hidden = int(config.get("hidden", self.hidden))
        manual_seed(self.seed)      # the same initial weights for every trial of a config
        model = MLP([train[0].shape[1], hidden, hidden, 10])
        optimizer = optim.SGD(model.parameters(), lr=lr, momentum=0.9,
                              weight_decay=float(config.get("weight_decay", 0.0)))
        trainer = Trainer(model, optimizer, nn.CrossEntropyLoss(), metrics=["accuracy"],
                          progress=None, seed=self.seed,
                          batch_size=int(config.get("batch_size", 100)))
        history = trainer.fit(train, epochs=epochs, val=val)
        if self.loss_type == "val_loss":
            return -history.history["val_loss"][-1]
        return history.history["val_accuracy"][-1]
