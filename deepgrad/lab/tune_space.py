"""Search spaces for ``deepgrad.lab.tune``: one distribution per hyperparameter.

A space is a plain dict ``{name: distribution or constant}``::

    space = {"lr": loguniform(1e-4, 1.0), "hidden": choice([32, 64, 128]),
             "dropout": uniform(0.0, 0.5), "layers": randint(1, 4), "epochs": 5}

Each distribution can be *sampled* (random search, Hyperband) and *gridded* (grid search):

==============  ==========================================  ===================================
distribution    sample                                      grid of ``n`` points
==============  ==========================================  ===================================
loguniform      ``exp(U(log low, log high))``               ``geomspace(low, high, n)``
uniform         ``U(low, high)``                            ``linspace(low, high, n)``
choice          one of ``options``, equally likely          every option (``n`` is ignored)
randint         an integer in ``[low, high)``, equally      ``n`` evenly spaced distinct ints
==============  ==========================================  ===================================

Why log scale for learning rates: what matters is the *ratio* between two rates (1e-4 vs
1e-3 is as different as 1e-2 vs 1e-1), so sampling uniformly in ``log lr`` spends the
trials evenly over the orders of magnitude instead of putting 90 % of them in the top one.
"""
import itertools
import math

import numpy as np


class Distribution:
    """One hyperparameter's range: ``sample(rng)`` draws a value, ``grid(n)`` lists ``n``."""

    def sample(self, rng):
        raise NotImplementedError

    def grid(self, n):
        raise NotImplementedError


def _check_bounds(kind, low, high):
    if not (isinstance(low, (int, float)) and isinstance(high, (int, float))):
        raise TypeError(f"{kind}: low and high must be numbers, got {low!r} and {high!r}")
    if not low < high:
        raise ValueError(f"{kind}: need low < high, got low={low}, high={high}")


class LogUniform(Distribution):
    """``log x ~ U(log low, log high)``: density ``1 / (x log(high/low))`` on ``[low, high]``."""

    def __init__(self, low, high):
        _check_bounds("loguniform", low, high)
        if low <= 0:
            raise ValueError(f"loguniform: low must be > 0 (a log scale), got low={low}")
        self.low, self.high = float(low), float(high)

    def sample(self, rng):
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))

    def grid(self, n):
        return [float(v) for v in np.geomspace(self.low, self.high, n)]

    def __repr__(self):
        return f"loguniform({self.low:g}, {self.high:g})"


class Uniform(Distribution):
    """``x ~ U(low, high)``."""

    def __init__(self, low, high):
        _check_bounds("uniform", low, high)
        self.low, self.high = float(low), float(high)

    def sample(self, rng):
        return float(rng.uniform(self.low, self.high))

    def grid(self, n):
        return [float(v) for v in np.linspace(self.low, self.high, n)]

    def __repr__(self):
        return f"uniform({self.low:g}, {self.high:g})"


class Choice(Distribution):
    """One of a list of options, each with probability ``1 / len(options)``."""

    def __init__(self, options):
        options = list(options)
        if not options:
            raise ValueError("choice: options must not be empty")
        self.options = options

    def sample(self, rng):
        return self.options[int(rng.integers(len(self.options)))]

    def grid(self, n):
        return list(self.options)

    def __repr__(self):
        return f"choice({self.options!r})"


class RandInt(Distribution):
    """An integer in ``[low, high)`` (NumPy's convention), each equally likely."""

    def __init__(self, low, high):
        if not (isinstance(low, (int, np.integer)) and isinstance(high, (int, np.integer))):
            raise TypeError(f"randint: low and high must be integers, got {low!r}, {high!r}")
        _check_bounds("randint", int(low), int(high))
        self.low, self.high = int(low), int(high)

    def sample(self, rng):
        return int(rng.integers(self.low, self.high))

    def grid(self, n):
        values = np.linspace(self.low, self.high - 1, min(n, self.high - self.low))
        return sorted({int(round(v)) for v in values})

    def __repr__(self):
        return f"randint({self.low}, {self.high})"


def loguniform(low, high):
    """A value whose logarithm is uniform on ``[log low, log high]`` (learning rates, decays)."""
    return LogUniform(low, high)


def uniform(low, high):
    """A value uniform on ``[low, high]`` (dropout rates, momenta)."""
    return Uniform(low, high)


def choice(options):
    """One of ``options`` (widths, activations, optimiser names)."""
    return Choice(options)


def randint(low, high):
    """An integer in ``[low, high)`` (number of layers)."""
    return RandInt(low, high)


def check_space(space):
    """Raise a clear error unless ``space`` is a non-empty dict with string keys."""
    if not isinstance(space, dict) or not space:
        raise ValueError(f"a search space must be a non-empty dict, got {space!r}")
    for name in space:
        if not isinstance(name, str):
            raise TypeError(f"search-space keys must be strings, got {name!r}")


def sample_config(space, rng):
    """One configuration: every distribution sampled, constants passed through."""
    return {name: (value.sample(rng) if isinstance(value, Distribution) else value)
            for name, value in space.items()}


def grid_configs(space, points):
    """Every combination of each distribution's ``grid(points)`` (a Cartesian product).

    ``points`` is one int for all dimensions or a dict ``{name: int}``; with ``d`` continuous
    dimensions the grid has ``points ** d`` configurations but only ``points`` distinct values
    of each one, which is why random search wins when few dimensions matter.
    """
    def count(name):
        n = points.get(name, 3) if isinstance(points, dict) else points
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"grid points for {name!r} must be an int >= 1, got {n!r}")
        return n
    axes = [value.grid(count(name)) if isinstance(value, Distribution) else [value]
            for name, value in space.items()]
    return [dict(zip(space, combo)) for combo in itertools.product(*axes)]
