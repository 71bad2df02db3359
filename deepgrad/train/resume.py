"""Saving and restoring a whole run, so that stopping and resuming changes nothing.

A trainer checkpoint holds everything the next epoch's numbers depend on:

* the model's and the optimizer's ``state_dict`` (moments, step counts), the scheduler's;
* ``epoch`` (epochs completed), ``global_step`` and the ``History`` so far;
* the random streams: deepgrad's default generator (dropout, and shuffling by a DataLoader
  without its own generator), the Trainer's own shuffling generator (``seed=``), and the
  generator of the last training DataLoader given to ``fit`` when it has one;
* the state of callbacks that define ``state_dict``/``load_state_dict``.

Loading checks everything first (file intact, same parameter names and shapes, same
optimizer groups, a scheduler on both sides or on neither) and only then writes; if a write
still fails, the model and optimizer are put back as they were.
"""
import numpy as np

from ..random import default_generator
from . import checkpoint
from .checkpoint import CheckpointError


def _loader_generator(loader):
    if loader is None:
        return None
    gen = getattr(loader, "generator", None)
    return gen if gen is not None else getattr(getattr(loader, "sampler", None), "generator",
                                               None)


def state(trainer):
    loader_gen = _loader_generator(trainer.train_loader)
    if loader_gen is trainer.generator:
        loader_gen = None          # saved once, as the trainer's
    return {
        "kind": "trainer",
        "model_class": type(trainer.model).__name__,
        "model": trainer.model.state_dict(),
        "optimizer_class": type(trainer.optimizer).__name__,
        "optimizer": trainer.optimizer.state_dict(),
        "scheduler": trainer.scheduler.state_dict() if trainer.scheduler is not None else None,
        "epoch": trainer.epoch,
        "global_step": trainer.global_step,
        "history": trainer.history.state_dict(),
        "rng": {
            "default": default_generator.get_state(),
            "trainer": trainer.generator.get_state() if trainer.generator is not None else None,
            "loader": loader_gen.get_state() if loader_gen is not None else None,
        },
        "callbacks": {_callback_key(i, cb): cb.state_dict()
                      for i, cb in enumerate(trainer.callbacks) if hasattr(cb, "state_dict")},
    }


def _callback_key(index, callback):
    """Position and class: a state is only given back to the same kind of callback."""
    return f"{index}:{type(callback).__name__}"


def save(trainer, path):
    checkpoint.write(path, state(trainer))


def _check(trainer, saved, path):
    if not isinstance(saved, dict) or saved.get("kind") != "trainer":
        raise CheckpointError(f"{path!r} holds model weights only, not a trainer checkpoint; "
                              f"use deepgrad.train.checkpoint.load_weights(model, path)")
    checkpoint.check_model_keys(trainer.model, saved["model"], path, saved.get("model_class"))
    opt = trainer.optimizer
    if saved.get("optimizer_class") != type(opt).__name__:
        raise CheckpointError(f"checkpoint {path!r} holds a {saved.get('optimizer_class')} "
                              f"state but the trainer's optimizer is {type(opt).__name__}")
    saved_sizes = [len(g["params"]) for g in saved["optimizer"]["param_groups"]]
    own_sizes = [len(g["params"]) for g in opt.param_groups]
    if saved_sizes != own_sizes:
        raise CheckpointError(f"checkpoint {path!r}: optimizer parameter groups of sizes "
                              f"{saved_sizes}, but this optimizer's are {own_sizes}")
    saved_has, own_has = saved["scheduler"] is not None, trainer.scheduler is not None
    if saved_has != own_has:
        raise CheckpointError(f"checkpoint {path!r} {'has a' if saved_has else 'has no'} "
                              f"scheduler state but this trainer has "
                              f"{'a' if own_has else 'no'} scheduler")


def load(trainer, path):
    saved = checkpoint.read(path)           # a damaged file fails here, before any change
    _check(trainer, saved, path)
    backup_model = {k: np.array(v._data, copy=True) for k, v in
                    trainer.model.state_dict().items()}
    backup_opt = trainer.optimizer.state_dict()
    try:
        trainer.model.load_state_dict(saved["model"])
        trainer.optimizer.load_state_dict(saved["optimizer"])
        if trainer.scheduler is not None:
            trainer.scheduler.load_state_dict(saved["scheduler"])
    except Exception:
        trainer.model.load_state_dict(backup_model)
        trainer.optimizer.load_state_dict(backup_opt)
        raise
    trainer.epoch = int(saved["epoch"])
    trainer.global_step = int(saved["global_step"])
    trainer.history.load_state_dict(saved["history"])
    rng = saved["rng"]
    default_generator.set_state(rng["default"])
    if rng["trainer"] is not None and trainer.generator is not None:
        trainer.generator.set_state(rng["trainer"])
    trainer._pending_loader_rng = rng["loader"]
    for i, cb in enumerate(trainer.callbacks):
        key = _callback_key(i, cb)
        if key in saved["callbacks"] and hasattr(cb, "load_state_dict"):
            cb.load_state_dict(saved["callbacks"][key])


def apply_pending_loader_rng(trainer, loader):
    """Give a user's DataLoader generator the state saved in the checkpoint (once)."""
    pending, trainer._pending_loader_rng = trainer._pending_loader_rng, None
    gen = _loader_generator(loader)
    if pending is not None and gen is not None and gen is not trainer.generator:
        gen.set_state(pending)
