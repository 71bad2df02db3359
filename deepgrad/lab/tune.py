"""Hyperparameter search, the course's way and the ecosystem's way.

``grid_search`` and ``random_search`` (Bergstra & Bengio 2012) evaluate configurations of a
search space; ``successive_halving`` and ``hyperband`` (Li et al. 2018) give small epoch
budgets to many configurations and large ones to the promising few; ``OptunaPruning`` lets an
Optuna study stop a ``Trainer`` run early. Trials run on any ``concurrent.futures.Executor``
(two local processes by default), failed trials are recorded and skipped, and every search
returns a ``TuneResult`` (a list of dict rows, ``best``, ``total_epochs``, ``plot()``).

Why random beats grid: with a budget of ``n`` trials over ``d`` dimensions, a grid tries only
``n ** (1/d)`` distinct values of each; random search tries ``n`` distinct values of every
dimension. When only one dimension matters (a common case: the learning rate), random search
has looked at ``n`` values of it and the grid at ``n ** (1/d)``.

Example::

    from deepgrad.lab.tune import loguniform, random_search, MNIST1DObjective
    result = random_search(MNIST1DObjective(), {"lr": loguniform(1e-3, 1.0)}, num_trials=6,
                           epochs=3, seed=0)
    result.best_config, result.best["score"]; result.plot()
"""
import argparse
import math
import os
import sys

import numpy as np

from .tune_objectives import MNIST1DObjective
from .tune_optuna import OptunaPruning
from .tune_result import TuneResult
from .tune_runner import SerialExecutor, TrialRunner, check_mode, check_reserved, run_one_trial
from .tune_schedulers import hyperband, hyperband_brackets, successive_halving
from .tune_space import (Choice, Distribution, LogUniform, RandInt, Uniform, choice, grid_configs,
                         loguniform, randint, sample_config, uniform)

__all__ = ["Choice", "Distribution", "LogUniform", "MNIST1DObjective", "OptunaPruning",
           "RandInt", "SerialExecutor", "TuneResult", "Uniform", "chance_within_factor",
           "choice", "cli_main", "grid_configs", "grid_search", "hyperband",
           "hyperband_brackets", "loguniform", "randint", "random_search", "run_one_trial",
           "sample_config", "successive_halving", "uniform"]


def _check_epochs(epochs):
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an int >= 1, got {epochs!r}")


def grid_search(objective, space, points=3, epochs=1, mode="max", executor=None):
    """Every combination of ``points`` values per dimension (see ``tune_space.grid_configs``).

    ``objective(config, epochs)`` is called once per configuration. Returns a ``TuneResult``.
    """
    from .tune_space import check_space  # noqa: PLC0415
    check_space(space)
    check_reserved(space)
    check_mode(mode)
    _check_epochs(epochs)
    configs = grid_configs(space, points)
    runner = TrialRunner(objective, executor)
    try:
        runner.run(configs, epochs)
    finally:
        runner.close()
    return TuneResult(runner.rows, mode, "grid_search", space)


def random_search(objective, space, num_trials=10, epochs=1, mode="max", seed=None,
                  executor=None):
    """``num_trials`` configurations drawn independently from ``space`` (NumPy generator
    seeded with ``seed``). Returns a ``TuneResult``."""
    from .tune_space import check_space  # noqa: PLC0415
    check_space(space)
    check_reserved(space)
    check_mode(mode)
    _check_epochs(epochs)
    if not isinstance(num_trials, int) or num_trials < 1:
        raise ValueError(f"num_trials must be an int >= 1, got {num_trials!r}")
    rng = np.random.default_rng(seed)
    configs = [sample_config(space, rng) for _ in range(num_trials)]
    runner = TrialRunner(objective, executor)
    try:
        runner.run(configs, epochs)
    finally:
        runner.close()
    return TuneResult(runner.rows, mode, "random_search", space)


def chance_within_factor(distribution, target, factor=2.0, num_trials=1):
    """P(at least one of ``num_trials`` draws from ``distribution`` lies within ``factor`` of
    ``target``), i.e. in ``[target / factor, target * factor]``.

    For ``loguniform(a, b)`` one draw lands there with probability
    ``p = log(min(b, target f) / max(a, target / f)) / log(b / a)``, and ``n`` independent
    draws miss it with probability ``(1 - p)^n``. Random search's best value can only be
    within ``factor`` of a target if one of its draws is, so this is an upper bound on how
    often random search lands within ``factor`` of, say, a grid's best learning rate, whatever
    the objective. With 3 draws on ``1e-3..1`` and ``factor=2``: ``1 - (1 - log 4 / log 1000)^3
    = 0.489``.
    """
    if not isinstance(distribution, LogUniform):
        raise TypeError(f"chance_within_factor needs a loguniform distribution, got "
                        f"{distribution!r}")
    if not factor > 1:
        raise ValueError(f"factor must be > 1, got {factor!r}")
    if not isinstance(num_trials, int) or num_trials < 1:
        raise ValueError(f"num_trials must be an int >= 1, got {num_trials!r}")
    low, high = max(distribution.low, target / factor), min(distribution.high, target * factor)
    if not target > 0 or low >= high:
        return 0.0
    p = math.log(high / low) / math.log(distribution.high / distribution.low)
    return 1 - (1 - p) ** num_trials


def _parser():
    p = argparse.ArgumentParser(
        prog="deepgrad lab tune",
        description="Tune the learning rate (and hidden width) of an MLP on MNIST-1D.")
    p.add_argument("--method", choices=["random", "grid", "hyperband"], default="hyperband")
    p.add_argument("--trials", type=int, default=9, help="random: trials; grid: points per axis")
    p.add_argument("--epochs", type=int, default=9, help="epochs per trial (hyperband: max R)")
    p.add_argument("--eta", type=int, default=3)
    p.add_argument("--num-train", type=int, default=1000)
    p.add_argument("--workers", type=int, default=2, help="processes; 0 runs in this process")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=os.path.join("runs", "lab", "tune"),
                   help="folder for tune.png ('' for no figure)")
    p.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    return p


def cli_main(argv=None):
    """``deepgrad lab tune``: prints the table and the best config, writes the figure.

    Returns the exit code (0, or 2 for bad arguments).
    """
    args = _parser().parse_args(argv)
    if args.quick:
        args.trials, args.epochs, args.num_train = min(args.trials, 3), 3, 300
    if (args.trials < 1 or args.epochs < 1 or args.workers < 0
            or not 10 <= args.num_train <= 3000):
        print("deepgrad lab tune: --trials and --epochs must be >= 1, --workers >= 0, "
              "10 <= --num-train <= 3000 (the last 1,000 training examples validate)",
              file=sys.stderr)
        return 2
    space = {"lr": loguniform(1e-3, 1.0), "hidden": choice([32, 64, 128])}
    objective = MNIST1DObjective(num_train=args.num_train, seed=args.seed)
    executor = SerialExecutor() if args.workers == 0 else None
    if args.method == "random":
        result = random_search(objective, space, args.trials, args.epochs, seed=args.seed,
                               executor=executor)
    elif args.method == "grid":
        result = grid_search(objective, space, args.trials, args.epochs, executor=executor)
    else:
        result = hyperband(objective, space, args.epochs, args.eta, seed=args.seed,
                           executor=executor)
    print(result.to_text(limit=15))
    print(f"best: {result.best_config} -> validation accuracy {result.best['score']:.3f} "
          f"({len(result)} trials, {result.total_epochs} epochs in all)")
    if args.out:
        import matplotlib  # noqa: PLC0415
        matplotlib.use("Agg")
        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, "tune.png")
        ax = result.plot("lr")
        ax.figure.savefig(path, dpi=80, bbox_inches="tight")
        print(f"figure: {path}")
    return 0
