"""deepgrad.lab.tune: search spaces, grid/random search, Hyperband, executors, failures.

Oracles: closed-form probability (random vs grid), the bracket table of Li et al. 2018
(Table 1, R=81, eta=3), brute-force enumeration, and MNIST-1D runs with small sizes.
"""
import concurrent.futures as cf
import math

import numpy as np
import pytest

from deepgrad.lab.tune import (SerialExecutor, choice, grid_search, hyperband,
                               hyperband_brackets, loguniform, randint, random_search,
                               successive_halving, uniform)


# --- objectives at module level, so that process pools can pickle them --------------------
def peaked(config, epochs):
    """Score depends only on x (peak at 0.37); y is the unimportant parameter."""
    return -abs(config["x"] - 0.37)


def fails_for_big_x(config, epochs):
    if config["x"] > 0.5:
        raise RuntimeError(f"diverged at x={config['x']:.3f}")
    return config["x"]


def learning_curve(config, epochs):
    """A synthetic learning curve: converges to 1 - (log10 lr + 1.5)^2 / 10 as epochs grow."""
    final = 1 - (math.log10(config["lr"]) + 1.5) ** 2 / 10
    return final * (1 - 0.5 ** epochs)


# --- spaces -------------------------------------------------------------------------------
def test_spaces_sample_in_range_and_grid():
    rng = np.random.default_rng(0)
    lu = loguniform(1e-4, 1.0)
    draws = np.array([lu.sample(rng) for _ in range(4000)])
    assert draws.min() >= 1e-4 and draws.max() <= 1.0
    # log-uniform: each decade gets a quarter of the draws
    decades = np.histogram(np.log10(draws), bins=[-4, -3, -2, -1, 0])[0] / 4000
    np.testing.assert_allclose(decades, 0.25, atol=0.03)
    np.testing.assert_allclose(lu.grid(5), [1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    assert uniform(0, 1).grid(3) == [0.0, 0.5, 1.0]
    assert choice(["a", "b"]).grid(7) == ["a", "b"]
    ints = {randint(1, 4).sample(rng) for _ in range(200)}
    assert ints == {1, 2, 3}
    assert randint(0, 10).grid(3) == [0, 4, 9] or randint(0, 10).grid(3) == [0, 5, 9]


@pytest.mark.parametrize("make, message", [
    (lambda: loguniform(0.0, 1.0), "low must be > 0"),
    (lambda: loguniform(1.0, 0.1), "low < high"),
    (lambda: uniform(2, 2), "low < high"),
    (lambda: choice([]), "must not be empty"),
    (lambda: randint(0.5, 3), "integers"),
])
def test_bad_distributions(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_bad_search_arguments():
    space = {"x": uniform(0, 1)}
    with pytest.raises(ValueError, match="num_trials"):
        random_search(peaked, space, num_trials=0, executor=SerialExecutor())
    with pytest.raises(ValueError, match="non-empty dict"):
        grid_search(peaked, {}, executor=SerialExecutor())
    with pytest.raises(ValueError, match="mode"):
        grid_search(peaked, space, mode="best", executor=SerialExecutor())
    with pytest.raises(ValueError, match="clash"):
        grid_search(peaked, {"score": uniform(0, 1)}, executor=SerialExecutor())
    with pytest.raises(ValueError, match="eta"):
        hyperband_brackets(27, eta=1)
    with pytest.raises(TypeError, match="Executor"):
        random_search(peaked, space, executor=object())


# --- why random beats grid (closed form) --------------------------------------------------
def _expected_best_distance(n, target):
    """E[min_i |U_i - target|] for n i.i.d. U(0,1): integral of P(min > t) dt, numerically."""
    t = np.linspace(0, max(target, 1 - target), 20001)
    covered = np.minimum(t, target) + np.minimum(t, 1 - target)
    return np.trapezoid((1 - covered) ** n, t)


def test_random_beats_grid_with_one_unimportant_parameter():
    space = {"x": uniform(0, 1), "y": uniform(0, 1)}
    grid = grid_search(peaked, space, points=3, executor=SerialExecutor())
    assert len(grid) == 9 and len({r["x"] for r in grid}) == 3        # 9 trials, 3 values of x
    rnd = random_search(peaked, space, num_trials=9, seed=0, executor=SerialExecutor())
    assert len({r["x"] for r in rnd}) == 9                              # 9 values of x
    # the grid's best is 0.13 from the optimum (x in {0, .5, 1}); random search's expected
    # best distance with 9 draws has a closed form, and the search matches it over seeds
    assert -grid.best["score"] == pytest.approx(0.13)
    expected = _expected_best_distance(9, 0.37)
    assert expected < 0.06
    found = [-random_search(peaked, space, 9, seed=s, executor=SerialExecutor()).best["score"]
             for s in range(300)]
    assert np.mean(found) == pytest.approx(expected, rel=0.12)
    # the probability that random search beats this grid: 1 - P(no draw within 0.13)
    p_win = 1 - (1 - 0.26) ** 9
    assert np.mean(np.array(found) < 0.13) == pytest.approx(p_win, abs=0.05)


# --- failures, executors, the table -------------------------------------------------------
def test_failed_trials_are_recorded_not_fatal():
    result = grid_search(fails_for_big_x, {"x": uniform(0, 1)}, points=5,
                         executor=SerialExecutor())
    assert [r["status"] for r in result] == ["ok", "ok", "ok", "failed", "failed"]
    assert "RuntimeError: diverged at x=0.750" in result.rows[3]["error"]
    assert result.best["x"] == 0.5 and len(result.failed) == 2
    assert "failed" in result.to_text()


def test_all_failed_gives_clear_error():
    result = grid_search(fails_for_big_x, {"x": uniform(0.6, 1)}, points=2,
                         executor=SerialExecutor())
    with pytest.raises(RuntimeError, match="no trial succeeded.*diverged"):
        result.best


@pytest.mark.parametrize("make", [lambda: cf.ThreadPoolExecutor(2),
                                  lambda: cf.ProcessPoolExecutor(2)])
def test_pool_executors_give_the_serial_results(make):
    space = {"x": uniform(0, 1), "y": choice([1, 2])}
    serial = random_search(fails_for_big_x, space, 6, seed=3, executor=SerialExecutor())
    with make() as pool:
        pooled = random_search(fails_for_big_x, space, 6, seed=3, executor=pool)
    assert pooled.rows == serial.rows


def test_plot_returns_axes():
    import matplotlib
    matplotlib.use("Agg")
    result = random_search(fails_for_big_x, {"x": loguniform(0.01, 1)}, 8, seed=0,
                           executor=SerialExecutor())
    ax = result.plot()
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "x"
    with pytest.raises(ValueError, match="not a hyperparameter"):
        result.plot("z")


# --- Hyperband ----------------------------------------------------------------------------
def test_hyperband_brackets_match_the_paper_table():
    # Li et al. 2018, Table 1: R = 81, eta = 3
    expected = {4: [(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)],
                3: [(34, 3), (11, 9), (3, 27), (1, 81)],
                2: [(15, 9), (5, 27), (1, 81)],
                1: [(8, 27), (2, 81)],
                0: [(5, 81)]}
    assert {b["s"]: b["rungs"] for b in hyperband_brackets(81, 3)} == expected


def test_hyperband_runs_the_schedule_and_keeps_the_best():
    space = {"lr": loguniform(1e-4, 1.0)}
    result = hyperband(learning_curve, space, max_epochs=9, eta=3, seed=0,
                       executor=SerialExecutor())
    schedule = hyperband_brackets(9, 3)
    assert len(result) == sum(n for b in schedule for n, _ in b["rungs"])
    assert result.total_epochs == sum(n * r for b in schedule for n, r in b["rungs"])
    # survivors of each rung are the best of the rung before (brute force over the rows)
    for s in (2, 1):
        rows = [r for r in result if r["bracket"] == s]
        for rung in range(s):
            before = sorted((r for r in rows if r["rung"] == rung), key=lambda r: -r["score"])
            after = {r["lr"] for r in rows if r["rung"] == rung + 1}
            assert after == {r["lr"] for r in before[:len(after)]}
    assert result.best["epochs"] == 9
    assert abs(math.log10(result.best["lr"]) + 1.5) < 0.5


def test_successive_halving_budgets():
    result = successive_halving(learning_curve, {"lr": loguniform(1e-4, 1.0)}, num_configs=9,
                                min_epochs=1, eta=3, seed=1, executor=SerialExecutor())
    assert [r["epochs"] for r in result] == [1] * 9 + [3] * 3 + [9]
    assert result.best["epochs"] == 9


# --- MNIST-1D (small) ---------------------------------------------------------------------
def test_mnist1d_random_finds_grid_lr_with_a_third_of_trials(monkeypatch):
    from deepgrad.lab.tune import MNIST1DObjective
    from deepgrad.optim import _fused
    monkeypatch.setattr(_fused, "ENABLED", False)      # no JIT compile in a short test
    objective = MNIST1DObjective(num_train=500, num_val=500, hidden=32)
    space = {"lr": loguniform(1e-3, 1.0)}
    grid = grid_search(objective, space, points=9, epochs=2, executor=SerialExecutor())
    grid_lr = grid.best["lr"]
    found = [random_search(objective, space, num_trials=3, epochs=2, seed=s,
                           executor=SerialExecutor()).best["lr"] for s in range(4)]
    # the geometric mean (over seeds) of random search's best lr lies within 2x of the grid's
    ratio = math.exp(abs(np.mean(np.log(found)) - math.log(grid_lr)))
    assert ratio < 2, (grid_lr, found)
