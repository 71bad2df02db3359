"""Successive halving and Hyperband (Li, Jamieson, DeSalvo, Rostamizadeh, Talwalkar, JMLR 2018).

Budget unit: epochs. A configuration trained for ``r`` epochs is scored; the best ``1/eta``
go on to ``eta`` times as many epochs (each rung retrains from scratch, so the budget
counted is exactly the epochs trained).

Successive halving with ``n`` configurations and a minimum budget ``r``::

    for i = 0 .. s:   n_i = floor(n * eta^-i),  r_i = r * eta^i
                      score the n_i survivors with r_i epochs, keep the best floor(n_i / eta)

Hyperband hedges over how aggressive to be: with a maximum budget ``R`` per configuration,
``s_max = floor(log_eta R)`` and ``B = (s_max + 1) R``, it runs one bracket per
``s = s_max .. 0`` of successive halving with::

    n = ceil(B / R * eta^s / (s + 1))   configurations,   r = R * eta^-s   epochs at first

(bracket ``s = s_max`` is the most exploratory; ``s = 0`` is plain random search with ``R``
epochs each). The answer is the best configuration among those trained for the full ``R``
(Li et al.'s Algorithm 1 returns the best score seen at any budget; with scores that grow
with the budget the two agree, and this one always answers with a fully trained run).
"""
import math

import numpy as np

from .tune_result import TuneResult
from .tune_runner import TrialRunner, check_mode, check_reserved, rank
from .tune_space import check_space, sample_config


def _check_eta(eta):
    if not isinstance(eta, int) or eta < 2:
        raise ValueError(f"eta must be an int >= 2 (the keep-1-in-eta ratio), got {eta!r}")


def _s_max(max_epochs, eta):
    """floor(log_eta R) computed in integers (floating log can give 3.9999 for log_3 81)."""
    s = 0
    while eta ** (s + 1) <= max_epochs:
        s += 1
    return s


def hyperband_brackets(max_epochs, eta=3):
    """The schedule of Hyperband: for each bracket ``s``, its rungs as ``(n_i, r_i)`` pairs.

    Returns ``[{"s": s, "rungs": [(n_0, r_0), (n_1, r_1), ...]}, ...]`` from ``s_max`` down to
    0. Budgets ``r_i`` are rounded to whole epochs (at least 1).
    """
    if not isinstance(max_epochs, int) or max_epochs < 1:
        raise ValueError(f"max_epochs (R) must be an int >= 1, got {max_epochs!r}")
    _check_eta(eta)
    s_max = _s_max(max_epochs, eta)
    total = (s_max + 1) * max_epochs
    brackets = []
    for s in range(s_max, -1, -1):
        n = math.ceil(total / max_epochs * eta ** s / (s + 1))
        rungs = [(n // eta ** i, max(1, round(max_epochs * eta ** (i - s)))) for i in range(s + 1)]
        brackets.append({"s": s, "rungs": rungs})
    return brackets


def _halve(runner, configs, rungs, mode, eta, bracket):
    """Run the rungs of one successive-halving bracket; returns the rows of its last rung."""
    survivors, last = configs, []
    for i, (_, epochs) in enumerate(rungs):
        last = runner.run(survivors, epochs, bracket=bracket, rung=i)
        keep = max(1, len(survivors) // eta)
        ranked = rank(last, mode)
        if i + 1 < len(rungs):
            if not ranked:      # every trial of the rung failed: the bracket ends here
                return last
            survivors = [{k: row[k] for k in configs[0]} for row in ranked[:keep]]
    return last


def successive_halving(objective, space, num_configs, min_epochs=1, eta=3, max_epochs=None,
                       mode="max", seed=None, executor=None):
    """Successive halving: ``num_configs`` random configurations, budgets ``min_epochs * eta^i``.

    Stops when one configuration is left or its budget would pass ``max_epochs``. Returns a
    ``TuneResult`` whose ``best`` is taken from the last rung.
    """
    check_space(space)
    check_reserved(space)
    check_mode(mode)
    _check_eta(eta)
    if not isinstance(num_configs, int) or num_configs < 1:
        raise ValueError(f"num_configs must be an int >= 1, got {num_configs!r}")
    if not isinstance(min_epochs, int) or min_epochs < 1:
        raise ValueError(f"min_epochs must be an int >= 1, got {min_epochs!r}")
    rng = np.random.default_rng(seed)
    rungs, n, r = [], num_configs, min_epochs
    while n >= 1 and (max_epochs is None or r <= max_epochs):
        rungs.append((n, r))
        if n == 1:
            break
        n, r = n // eta, r * eta
    configs = [sample_config(space, rng) for _ in range(num_configs)]
    runner = TrialRunner(objective, executor)
    try:
        last = _halve(runner, configs, rungs, mode, eta, bracket=0)
    finally:
        runner.close()
    return TuneResult(runner.rows, mode, "successive_halving", space, final_rows=last)


def hyperband(objective, space, max_epochs=27, eta=3, mode="max", seed=None, executor=None):
    """Hyperband over ``space``: every bracket of ``hyperband_brackets(max_epochs, eta)``.

    ``objective(config, epochs)`` trains a fresh model for ``epochs`` epochs and returns its
    validation score. Returns a ``TuneResult`` (``rows`` carry ``bracket`` and ``rung``;
    ``best`` is chosen among the runs with the full ``max_epochs``; ``total_epochs`` is the
    whole budget spent).
    """
    check_space(space)
    check_reserved(space)
    check_mode(mode)
    brackets = hyperband_brackets(max_epochs, eta)
    rng = np.random.default_rng(seed)
    runner = TrialRunner(objective, executor)
    finals = []
    try:
        for bracket in brackets:
            n = bracket["rungs"][0][0]
            configs = [sample_config(space, rng) for _ in range(n)]
            last = _halve(runner, configs, bracket["rungs"], mode, eta, bracket=bracket["s"])
            finals += [row for row in last if row["epochs"] == max_epochs]
    finally:
        runner.close()
    return TuneResult(runner.rows, mode, "hyperband", space, final_rows=finals)
