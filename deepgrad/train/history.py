"""``History``: what ``Trainer.fit`` returns (Keras's ``History``).

``history.history`` maps each logged quantity to one value per epoch: ``loss``,
``<metric>``, ``val_loss``, ``val_<metric>`` and ``lr`` (the first parameter group's
learning rate during that epoch). ``history.epoch`` lists the epoch indices (0-based).
"""


class History:
    """Per-epoch logs of a training run.

    Example::

        h = trainer.fit((X, y), epochs=3, val_split=0.2)
        h.epoch                   # [0, 1, 2]
        h.history["val_loss"]     # three floats
    """

    def __init__(self):
        self.history = {}
        self.epoch = []
        self.params = {}

    def append(self, epoch, logs):
        """Record ``logs`` (a dict of floats) for ``epoch``."""
        self.epoch.append(int(epoch))
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def state_dict(self):
        return {"history": {k: list(v) for k, v in self.history.items()},
                "epoch": list(self.epoch), "params": dict(self.params)}

    def load_state_dict(self, state):
        self.history = {k: list(v) for k, v in state["history"].items()}
        self.epoch = [int(e) for e in state["epoch"]]
        self.params = dict(state.get("params", {}))

    def __len__(self):
        return len(self.epoch)

    def __repr__(self):
        keys = ", ".join(self.history)
        return f"History(epochs={len(self.epoch)}, keys=[{keys}])"
