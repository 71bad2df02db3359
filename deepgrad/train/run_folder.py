"""A run folder (``Trainer(run_dir=...)``): everything needed to read a run afterwards.

::

    run_dir/
      config.json        hyperparameters: model repr, optimizer class and defaults, loss,
                         metrics, epochs, batch size, seed, accumulate, grad_clip, scheduler
      metrics.csv        one row per epoch (CSVLogger)
      best.safetensors   the trainer checkpoint of the best epoch (lowest val_loss, or loss
                         without validation); resumable with Trainer.load_checkpoint
      curves_<key>.png   learning curves (needs matplotlib; skipped with a warning if absent)
      report.html        one self-contained page: curves, summary table, hyperparameters

A resumed fit (``initial_epoch > 0``) appends to metrics.csv.
"""
import datetime
import json
import os
import warnings

from .._atomic import atomic_write
from .callbacks.base import Callback
from .callbacks.csv_logger import CSVLogger


def _json_safe(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return repr(value)


def config_of(trainer):
    opt = trainer.optimizer
    params = list(trainer.model.parameters())
    groups = [{**{k: _json_safe(v) for k, v in g.items() if k not in ("params", "param_names")},
               "num_params": len(g["params"])} for g in opt.param_groups]
    return {
        "model_class": type(trainer.model).__name__,
        "model": repr(trainer.model),
        "parameters": sum(p.numel() for p in params),
        "trainable_parameters": sum(p.numel() for p in params if p.requires_grad),
        "optimizer": {"class": type(opt).__name__,
                      "defaults": _json_safe(getattr(opt, "defaults", {})),
                      "param_groups": groups},
        "loss": repr(trainer.loss_fn),
        "metrics": [m.name for m in trainer.metrics],
        **_json_safe(trainer.fit_params),
        "seed": trainer.seed,
        "accumulate": trainer.accumulate,
        "grad_clip": trainer.grad_clip,
        "scheduler": type(trainer.scheduler).__name__ if trainer.scheduler is not None else None,
        "device": str(trainer.device) if trainer.device is not None else None,
        "world_size": getattr(trainer, "world_size", 1),   # batch_size is per rank
        "callbacks": [type(cb).__name__ for cb in trainer.callbacks
                      if not isinstance(cb, RunFolder)],
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


class RunFolder(Callback):
    """The callback behind ``Trainer(run_dir=...)``."""

    rank_zero_only = True     # files: written by rank 0 alone

    def __init__(self, run_dir):
        super().__init__()
        self.run_dir = str(run_dir)
        self.best = None
        self.csv = CSVLogger(os.path.join(self.run_dir, "metrics.csv"))

    def set_trainer(self, trainer):
        super().set_trainer(trainer)
        self.csv.set_trainer(trainer)

    def on_train_begin(self, logs=None):
        os.makedirs(self.run_dir, exist_ok=True)
        resumed = self.trainer.fit_params.get("initial_epoch", 0) > 0
        self.csv.append = resumed
        if not resumed:
            self.best = None
        path = os.path.join(self.run_dir, "config.json")
        atomic_write(path, lambda f: json.dump(config_of(self.trainer), f, indent=2), text=True)
        self.csv.on_train_begin(logs)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.csv.on_epoch_end(epoch, logs)
        current = logs.get("val_loss", logs.get("loss"))
        if current is not None and (self.best is None or current < self.best):
            self.best = current
            self.trainer.save_checkpoint(os.path.join(self.run_dir, "best.safetensors"))

    def on_train_end(self, logs=None):
        self.csv.on_train_end(logs)
        from .report import build_report
        images = {}
        try:
            from .plots import curve_pngs
            history = self.trainer.history
            images = curve_pngs(history.epoch, history.history)
            for title, png in images.items():
                with open(os.path.join(self.run_dir, f"curves_{title}.png"), "wb") as f:
                    f.write(png)
        except ImportError as e:
            warnings.warn(f"run_dir: no learning-curve images ({e})", RuntimeWarning,
                          stacklevel=2)
        build_report(self.run_dir, images=images)

    def state_dict(self):
        return {"best": self.best}

    def load_state_dict(self, state):
        self.best = state.get("best")
