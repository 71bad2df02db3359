"""deepgrad.lab: the course's experiments as one-call tools.

Each call returns plain data (a small result object) and has ``.plot()`` to draw it with
matplotlib (the optional ``plot`` extra). ``deepgrad lab <verb>`` runs each from the shell.
"""
from .bias_variance import (BiasVarianceCurve, BiasVarianceResult, bias_variance_curve,
                            bias_variance_decomp)
from .double_descent import DoubleDescentResult, RandomFeaturesRegressor, double_descent
from .diagnostics import (ActivationStats, GradientNorms, InitExplorerResult, activation_stats,
                          gradient_norms, init_explorer)
from .gradcheck import GradCheckResult, check_gradients
from .hessian import HessianEigResult, hessian_eigs
from .lr_finder import LRFinderResult, lr_find
from .playground import FUNCTIONS, PathsResult, TestFunction, gd_variant_paths, optimizer_paths
from . import tune  # noqa: E402 - deepgrad.lab.tune: search spaces, grid/random, Hyperband
from .tune import (OptunaPruning, TuneResult, grid_search, hyperband,  # noqa: E402
                   random_search, successive_halving)

__all__ = ["ActivationStats", "BiasVarianceCurve", "BiasVarianceResult", "DoubleDescentResult",
           "FUNCTIONS", "GradCheckResult", "GradientNorms", "HessianEigResult",
           "InitExplorerResult", "LRFinderResult", "PathsResult", "RandomFeaturesRegressor",
           "TestFunction", "activation_stats", "bias_variance_curve", "bias_variance_decomp",
           "check_gradients", "double_descent", "gd_variant_paths",
           "gradient_norms", "hessian_eigs", "init_explorer", "lr_find", "optimizer_paths",
           "OptunaPruning", "TuneResult", "grid_search", "hyperband", "random_search",
           "successive_halving", "tune"]
