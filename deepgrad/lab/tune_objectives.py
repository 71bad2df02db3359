"""Ready-made objectives for ``deepgrad.lab.tune``: Trainer runs on MNIST-1D.

An objective is a picklable object (so process and MPI pools can ship it) called as
``objective(config, epochs) -> score``. ``MNIST1DObjective`` trains a fresh MLP with SGD
(momentum 0.9) for ``epochs`` epochs with the config's ``lr`` (and optional ``hidden``,
``weight_decay``, ``batch_size``) and returns the validation accuracy.

Common random numbers. Every trial of one objective starts from the same seed: the same
initial weights (for a given width) and the same order of mini-batches. Two configurations
then differ only by their hyperparameters, not by the luck of their draw, which is the
standard way to compare configurations (a paired comparison; the variance of a difference
of two runs drops when they share their random numbers). The search is repeated with a
*new* seed (a new objective) to see how much the answer depends on that luck.

Three disjoint splits: training (the first ``num_train`` of MNIST-1D's 4,000 training
examples), validation (the last ``num_val`` of them: what a search ranks by) and test
(the 1,000 test examples: reported, with ``report_test=True``, never used to choose).
"""
import numpy as np

SCHEDULES = ("cosine", "constant")


class MNIST1DObjective:
    """Validation accuracy of an MLP on MNIST-1D after ``epochs`` epochs of SGD.

    Args:
        num_train (int): training examples, the first ones of MNIST-1D's 4,000.
        num_val (int): validation examples, the last ones of the 4,000 (disjoint from the
            training ones: ``num_train + num_val <= 4000``).
        hidden (int): default hidden width when the config has no ``hidden``.
        seed (int): seeds the initial weights and the batch order, the same for every trial
            (common random numbers, see the module docstring).
        loss_type ("accuracy" or "val_loss"): return the validation accuracy, or minus the
            validation loss (so that ``mode="max"`` fits both).
        schedule ("cosine" or "constant"): the learning rate over a trial's ``epochs``.
            ``"cosine"`` anneals ``lr`` to 0 over the trial, so the score is that of a run
            that has settled rather than of wherever the last noisy SGD step left it; the
            score against ``lr`` is then a smooth curve. Each trial anneals over its own
            budget (a Hyperband rung of 3 epochs is a complete 3-epoch run).
        report_test (bool): also record ``test_accuracy`` in each trial's row (a dict
            result; the search still ranks by the validation ``score`` only).
    """

    def __init__(self, num_train=3000, num_val=1000, hidden=100, seed=0, loss_type="accuracy",
                 schedule="cosine", report_test=False):
        if loss_type not in ("accuracy", "val_loss"):
            raise ValueError(f"loss_type must be 'accuracy' or 'val_loss', got {loss_type!r}")
        if schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
        for name, value in (("num_train", num_train), ("num_val", num_val)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        if num_train + num_val > 4000:
            raise ValueError(f"num_train + num_val must be <= 4000 (MNIST-1D's training "
                             f"examples; the test split is kept for testing), got "
                             f"{num_train} + {num_val} = {num_train + num_val}")
        self.num_train, self.num_val, self.hidden = num_train, num_val, hidden
        self.seed, self.loss_type, self.schedule = seed, loss_type, schedule
        self.report_test = report_test

    def data(self):
        """``(train, val, test)``, each an ``(x float32, y int64)`` pair."""
        from ..datasets import load_mnist1d  # noqa: PLC0415 - only when a trial runs
        d = load_mnist1d()
        n = len(d["x"])

        def pair(x, y):
            return x.astype(np.float32), y.astype(np.int64)
        return (pair(d["x"][: self.num_train], d["y"][: self.num_train]),
                pair(d["x"][n - self.num_val:], d["y"][n - self.num_val:]),
                pair(d["x_test"], d["y_test"]))

    def build(self, config, epochs):
        """The seeded model and its Trainer for one trial (before any training)."""
        from .. import nn, optim  # noqa: PLC0415
        from ..models import MLP  # noqa: PLC0415
        from ..random import manual_seed  # noqa: PLC0415
        from ..train import Trainer  # noqa: PLC0415
        hidden = int(config.get("hidden", self.hidden))
        manual_seed(self.seed)      # common random numbers: the same initial weights ...
        model = MLP([40, hidden, hidden, 10])
        optimizer = optim.SGD(model.parameters(), lr=float(config["lr"]), momentum=0.9,
                              weight_decay=float(config.get("weight_decay", 0.0)))
        scheduler = (optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
                     if self.schedule == "cosine" else None)
        # ... and, through the Trainer's seed, the same order of mini-batches
        return model, Trainer(model, optimizer, nn.CrossEntropyLoss(), metrics=["accuracy"],
                              progress=None, seed=self.seed, scheduler=scheduler,
                              batch_size=int(config.get("batch_size", 100)))

    def __call__(self, config, epochs):
        train, val, test = self.data()
        model, trainer = self.build(config, epochs)
        history = trainer.fit(train, epochs=epochs, val=val)
        if self.loss_type == "val_loss":
            score = -history.history["val_loss"][-1]
        else:
            score = history.history["val_accuracy"][-1]
        if not self.report_test:
            return score
        return {"score": score, "test_accuracy": trainer.evaluate(test)["accuracy"]}
