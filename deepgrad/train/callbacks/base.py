"""``Callback``: code that runs at fixed points of ``Trainer.fit`` (Keras's hook names).

Order of the hooks in one ``fit``::

    on_train_begin
      on_epoch_begin(epoch)
        on_train_batch_begin(batch) / on_train_batch_end(batch, logs)   # every batch
        on_validation_begin / on_validation_end(logs)                   # when val is given
      on_epoch_end(epoch, logs)       # logs: loss, metrics, val_*, lr
    on_train_end(logs)

``on_train_batch_end`` runs after the batch's ``backward()`` and before its optimizer step
(gradients are there to inspect; with ``accumulate=k`` it runs for every micro-batch).
``evaluate`` runs ``on_test_begin/end`` and ``on_test_batch_begin/end``; ``predict`` runs
``on_predict_begin/end`` and ``on_predict_batch_begin/end``. ``batch`` counts from 0 in each
epoch. A callback stops training by setting ``self.trainer.stop_training = True``; the
Trainer finishes the current batch (without its optimizer step when the flag is set during
the batch) and ends the run.

Attributes set by the Trainer: ``self.trainer`` and ``self.model`` (``trainer.model``).

In a distributed run (``mpiexec -n N``) every rank calls the hooks with the same epoch
logs, except for callbacks whose class sets ``rank_zero_only = True`` (those that write
files: CSVLogger, TensorBoard, ModelCheckpoint, the run folder), which run on rank 0 only.
"""


class Callback:
    """Base class: override the hooks you need; each receives ``logs``, a dict of floats."""

    rank_zero_only = False     # True: in a distributed run, only rank 0 calls the hooks

    def __init__(self):
        self.trainer = None

    @property
    def model(self):
        return self.trainer.model if self.trainer is not None else None

    def set_trainer(self, trainer):
        self.trainer = trainer

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): pass
    def on_train_batch_end(self, batch, logs=None): pass
    def on_validation_begin(self, logs=None): pass
    def on_validation_end(self, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass


class CallbackList:
    """Calls a hook on every callback in order; hooks nobody overrides cost nothing per batch."""

    def __init__(self, callbacks, trainer):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_trainer(trainer)

    def _overriding(self, hook):
        return [getattr(cb, hook) for cb in self.callbacks
                if getattr(type(cb), hook) is not getattr(Callback, hook)]

    def call(self, hook, *args):
        for fn in self._overriding(hook):
            fn(*args)

    def batch_hooks(self, kind):
        """The (begin, end) bound methods that someone overrides, for a per-batch loop."""
        return (self._overriding(f"on_{kind}_batch_begin"),
                self._overriding(f"on_{kind}_batch_end"))
