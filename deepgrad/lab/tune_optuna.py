"""The Optuna bridge: a Trainer callback that reports to an Optuna trial and prunes.

Optuna (``pip install deepgrad[optuna]``) proposes hyperparameters and decides, from the
intermediate values a trial reports, whether it looks worse than the others at the same step
(its *pruner*: median, successive halving, Hyperband ...). ``OptunaPruning`` reports the
monitored log value at the end of each epoch and, when the study says prune, stops the
Trainer and raises ``optuna.TrialPruned`` so that Optuna records the trial as pruned::

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
        trainer = Trainer(model, optim.SGD(model.parameters(), lr), loss_fn,
                          callbacks=[OptunaPruning(trial, monitor="val_loss")])
        trainer.fit(train, epochs=10, val=val)
        return trainer.history.history["val_loss"][-1]
"""
from ..train.callbacks import Callback


def _import_optuna():
    try:
        import optuna  # noqa: PLC0415 - optional extra
    except ImportError as error:
        raise ImportError("deepgrad.lab.tune.OptunaPruning needs Optuna: "
                          "pip install deepgrad[optuna]") from error
    return optuna


class OptunaPruning(Callback):
    """Report ``logs[monitor]`` to ``trial`` each epoch; prune when the study says so.

    Args:
        trial (optuna.trial.Trial): the trial being run.
        monitor (str): the log to report ("val_loss", "val_accuracy", "loss" ...); the
            study's direction says whether lower or higher is better.
    """

    def __init__(self, trial, monitor="val_loss"):
        super().__init__()
        self.optuna = _import_optuna()
        if not isinstance(monitor, str):
            raise TypeError(f"monitor must be a log name (str), got {monitor!r}")
        self.trial, self.monitor = trial, monitor

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            raise KeyError(f"OptunaPruning: monitor {self.monitor!r} is not in the epoch logs "
                           f"{sorted(logs)} (pass val= to fit for val_* logs)")
        value = float(logs[self.monitor])
        self.trial.report(value, step=epoch)
        if self.trial.should_prune():
            if self.trainer is not None:
                self.trainer.stop_training = True
            raise self.optuna.TrialPruned(
                f"pruned at epoch {epoch} with {self.monitor}={value:.6g}")
