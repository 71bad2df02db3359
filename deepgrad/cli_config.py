"""``deepgrad train CONFIG.toml``: read a training config and check all of it before training.

A config (see ``examples/configs/mnist1d_mlp.toml``)::

    epochs = 20                 # required, an int >= 1
    seed = 0                    # optional int
    run_dir = "runs/mlp"        # optional, default runs/<config file name>
    metrics = ["accuracy"]      # optional, default ["accuracy"] (classification) or ["mae"]
    loss = "CrossEntropyLoss"   # optional, any deepgrad.nn loss class; default from the data

    [model]                     # name: the demo's registry (logistic, mlp, cnn, gru) or
    name = "mlp"                # "package.module:Class"; every other key is a keyword argument
    hidden_size = 100

    [data]                      # name: mnist1d or a synthetic set (moons, circles, blobs,
    name = "mnist1d"            # spirals, xor, sine, polynomial); batch_size, val_split; every
    batch_size = 100            # other key goes to the data set's generator
    val_split = 0.1

    [optimizer]                 # any deepgrad.optim optimiser by class name + its arguments
    name = "Adam"
    lr = 0.01

    [scheduler]                 # optional: any deepgrad.optim.lr_scheduler class + arguments
    name = "StepLR"
    step_size = 10

    [[callbacks]]               # optional, repeated: deepgrad.train.callbacks by name
    name = "EarlyStopping"
    patience = 3

    distributed = "auto"        # optional: "auto" (default), true or false. Under
                                # `mpiexec -n N deepgrad train CONFIG.toml` with N > 1,
                                # "auto" and true train data-parallel over the N ranks
                                # (batch_size per rank; rank 0 prints and writes run_dir);
                                # false: every process trains alone

:func:`load_plan` builds every object (model, optimiser, scheduler, callbacks, data, one
forward pass) and raises :class:`ConfigError` naming the key, the bad value and what is
allowed at the first problem, so nothing trains from a config that cannot run to the end.
"""
import importlib
import inspect
import os

import numpy as np

from . import datasets, optim
from . import random as dg_random
from .autograd.grad_mode import no_grad
from .creation import from_numpy
from .demo import MODELS, mnist1d_arrays
from .nn.modules import loss as nn_losses
from .nn.modules.module import Module
from .optim import lr_scheduler
from .train import Trainer
from .train import callbacks as train_callbacks
from .train.distributed import launched_world_size

TOP_KEYS = ("epochs", "seed", "run_dir", "metrics", "loss", "model", "data", "optimizer",
            "scheduler", "callbacks", "distributed")
CLASSIFICATION_SETS = {"moons": datasets.make_moons, "circles": datasets.make_circles,
                       "blobs": datasets.make_blobs, "spirals": datasets.make_spirals,
                       "xor": datasets.make_xor}
REGRESSION_SETS = {"sine": datasets.make_sine, "polynomial": datasets.make_polynomial}
DATA_SETS = ["mnist1d", *CLASSIFICATION_SETS, *REGRESSION_SETS]
OPTIMIZERS = {n: c for n, c in ((n, getattr(optim, n)) for n in optim.__all__)  # lazy names
              if isinstance(c, type) and issubclass(c, optim.Optimizer)
              and c is not optim.Optimizer}
SCHEDULERS = {n: c for n, c in vars(lr_scheduler).items()
              if isinstance(c, type) and issubclass(c, lr_scheduler.LRScheduler)
              and c is not lr_scheduler.LRScheduler}
SCHEDULERS["ReduceLROnPlateau"] = lr_scheduler.ReduceLROnPlateau
CALLBACKS = {n: getattr(train_callbacks, n) for n in train_callbacks.__all__
             if n not in ("Callback", "CallbackList")}
LOSSES = {n: c for n, c in vars(nn_losses).items()
          if isinstance(c, type) and issubclass(c, Module) and n.endswith("Loss")}


class ConfigError(ValueError):
    """A bad config: ``key`` (e.g. ``[optimizer].lr``), the bad value and what is allowed."""

    def __init__(self, key, value, allowed):
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"{key} = {value!r}: {allowed}")


def read_toml(path):
    """The config file as a dict (``tomllib``; ``tomli`` on Python 3.10)."""
    try:
        import tomllib  # noqa: PLC0415 - Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib  # noqa: PLC0415
        except ImportError as error:
            raise ImportError("reading TOML on Python 3.10 needs tomli: pip install tomli") \
                from error
    if not os.path.isfile(path):
        raise ConfigError("CONFIG", path, "no such file")
    with open(path, "rb") as f:
        try:
            return tomllib.load(f)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError("CONFIG", path, f"not valid TOML ({error})") from error


def _table(config, key, required=True):
    value = config.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        raise ConfigError(f"[{key}]", value, "a table is required" if value is None else
                          "must be a table ([" + key + "] with name = ...)")
    if not isinstance(value.get("name"), str):
        raise ConfigError(f"[{key}].name", value.get("name"), "a name (string) is required")
    return value


def _kwargs(table, reserved=("name",)):
    return {k: v for k, v in table.items() if k not in reserved}


def _construct(key, cls, args, kwargs):
    """``cls(*args, **kwargs)``, with a bad argument reported against the config key."""
    params = inspect.signature(cls).parameters
    if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
        known = [n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD,
                                                              p.KEYWORD_ONLY)]
        for name in kwargs:
            if name not in known:
                raise ConfigError(f"{key}.{name}", kwargs[name],
                                  f"not an argument of {cls.__name__}; allowed: {known}")
    try:
        return cls(*args, **kwargs)
    except (TypeError, ValueError) as error:
        for name, value in kwargs.items():     # find the argument to blame, one at a time
            try:
                cls(*args, **{name: value})
            except (TypeError, ValueError) as alone:
                raise ConfigError(f"{key}.{name}", value,
                                  f"{cls.__name__} refused it: {alone}") from error
        raise ConfigError(key, kwargs, f"{cls.__name__} refused these arguments: {error}") \
            from error


def _positive_int(config, key, default=None):
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(key, value, "must be an integer >= 1")
    return value


def model_class(name):
    """A class from the demo's registry or a ``package.module:Class`` path."""
    if name in MODELS:
        return MODELS[name]
    if ":" not in name:
        raise ConfigError("[model].name", name, f"allowed: {sorted(MODELS)} or "
                          f"'package.module:Class'")
    module_name, _, attr = name.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as error:
        raise ConfigError("[model].name", name, f"cannot import it ({error})") from error
    if not (isinstance(cls, type) and issubclass(cls, Module)):
        raise ConfigError("[model].name", name, "must name a deepgrad.nn.Module subclass")
    return cls


def load_data(table):
    """``(train, test, task)`` with train/test = (X float32, y) and task "classification"
    or "regression"; test is None for the synthetic sets."""
    name = table["name"]
    kwargs = _kwargs(table, ("name", "batch_size", "val_split"))
    if name == "mnist1d":
        unknown = set(kwargs) - set(datasets.mnist1d.DEFAULTS)
        if unknown:
            bad = sorted(unknown)[0]
            raise ConfigError(f"[data].{bad}", kwargs[bad], f"not an MNIST-1D argument; "
                              f"allowed: {sorted(datasets.mnist1d.DEFAULTS)}")
        try:
            x, y, x_test, y_test = mnist1d_arrays(**kwargs)
        except (TypeError, ValueError) as error:
            raise ConfigError("[data]", kwargs, str(error)) from error
        return (x, y), (x_test, y_test), "classification"
    sets = {**CLASSIFICATION_SETS, **REGRESSION_SETS}
    if name not in sets:
        raise ConfigError("[data].name", name, f"allowed: {DATA_SETS}")
    X, y = _construct("[data]", sets[name], (), kwargs)
    if name in REGRESSION_SETS:
        return (X.astype(np.float32), y.astype(np.float32).reshape(-1, 1)), None, "regression"
    return (X.astype(np.float32), y.astype(np.int64)), None, "classification"


def load_plan(path):
    """Read and check the whole config; returns a dict of ready objects (see module doc)."""
    config = read_toml(path)
    unknown = sorted(set(config) - set(TOP_KEYS))
    if unknown:
        raise ConfigError(unknown[0], config[unknown[0]], f"unknown key; allowed: {list(TOP_KEYS)}")
    epochs = _positive_int(config, "epochs")
    seed = config.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError("seed", seed, "must be an integer")
    distributed = config.get("distributed", "auto")
    if not (distributed == "auto" or isinstance(distributed, bool)):
        raise ConfigError("distributed", distributed, 'must be "auto", true or false')
    if distributed == "auto":   # launched by mpiexec with several processes?
        distributed = launched_world_size() > 1
    run_dir = config.get("run_dir", os.path.join("runs", os.path.splitext(
        os.path.basename(path))[0]))
    if not isinstance(run_dir, str) or not run_dir:
        raise ConfigError("run_dir", run_dir, "must be a folder path (string)")
    model_t, data_t, opt_t = _table(config, "model"), _table(config, "data"), \
        _table(config, "optimizer")
    sched_t = _table(config, "scheduler", required=False)
    batch_size = _positive_int(data_t, "batch_size", 32) if "batch_size" in data_t else 32
    val_split = data_t.get("val_split", 0.0)
    if isinstance(val_split, bool) or not isinstance(val_split, (int, float)) \
            or not 0 <= val_split < 1:
        raise ConfigError("[data].val_split", val_split, "must be a number in [0, 1)")
    # the optimiser, scheduler and callback names are checked before the (slower) data
    if opt_t["name"] not in OPTIMIZERS:
        raise ConfigError("[optimizer].name", opt_t["name"], f"allowed: {sorted(OPTIMIZERS)}")
    if sched_t is not None and sched_t["name"] not in SCHEDULERS:
        raise ConfigError("[scheduler].name", sched_t["name"], f"allowed: {sorted(SCHEDULERS)}")
    cb_tables = config.get("callbacks", [])
    if not isinstance(cb_tables, list):
        raise ConfigError("[[callbacks]]", cb_tables, "must be an array of tables")
    for i, cb in enumerate(cb_tables):
        if not isinstance(cb, dict) or cb.get("name") not in CALLBACKS:
            raise ConfigError(f"[[callbacks]][{i}].name", cb.get("name") if isinstance(cb, dict)
                              else cb, f"allowed: {sorted(CALLBACKS)}")
    cls = model_class(model_t["name"])
    train, test, task = load_data(data_t)
    loss_name = config.get("loss", "CrossEntropyLoss" if task == "classification" else "MSELoss")
    if loss_name not in LOSSES:
        raise ConfigError("loss", loss_name, f"allowed: {sorted(LOSSES)}")
    metrics = config.get("metrics", ["accuracy"] if task == "classification" else ["mae"])
    if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
        raise ConfigError("metrics", metrics, "must be a list of metric names")
    dg_random.manual_seed(seed)
    model = _construct("[model]", cls, (), _kwargs(model_t))
    optimizer = _construct("[optimizer]", OPTIMIZERS[opt_t["name"]],
                           (list(model.parameters()),), _kwargs(opt_t))
    scheduler = None
    if sched_t is not None:
        scheduler = _construct("[scheduler]", SCHEDULERS[sched_t["name"]], (optimizer,),
                               _kwargs(sched_t))
    callbacks = [_construct(f"[[callbacks]][{i}]", CALLBACKS[cb["name"]], (), _kwargs(cb))
                 for i, cb in enumerate(cb_tables)]
    loss_fn = LOSSES[loss_name]()
    _check_forward(model, loss_fn, train, model_t["name"], data_t["name"])
    try:
        trainer = Trainer(model, optimizer, loss_fn, metrics=metrics, callbacks=callbacks,
                          seed=seed, run_dir=run_dir, scheduler=scheduler, batch_size=batch_size,
                          distributed=distributed)
    except (TypeError, ValueError, KeyError) as error:
        raise ConfigError("metrics", metrics, str(error)) from error
    return {"trainer": trainer, "train": train, "test": test, "epochs": epochs,
            "val_split": val_split or None, "batch_size": batch_size, "run_dir": run_dir}


def _check_forward(model, loss_fn, train, model_name, data_name):
    """One forward pass and loss on two examples, so a model/data mismatch is a config error."""
    x, y = train
    model.eval()        # eval: a batch-norm layer must not count these two examples
    try:
        with no_grad():
            loss_fn(model(from_numpy(x[:2])), from_numpy(y[:2]))
    except (RuntimeError, ValueError, TypeError, IndexError) as error:
        raise ConfigError("[model].name", model_name, f"this model cannot train on data "
                          f"{data_name!r} (inputs {tuple(x.shape[1:])}): {error}") from error
