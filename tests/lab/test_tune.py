"""deepgrad.lab.tune: search spaces, grid/random search, Hyperband, executors, failures.

Oracles: closed-form probability (random vs grid; random draws within 2x of a target, against
the sampler), the bracket table of Li et al. 2018 (Table 1, R=81, eta=3), brute-force
enumeration, and MNIST-1D runs with small sizes (common random numbers checked directly).
"""
import concurrent.futures as cf
import math

import numpy as np
import pytest

from deepgrad.lab.tune import (MNIST1DObjective, SerialExecutor, chance_within_factor, choice,
                               grid_search, hyperband, hyperband_brackets, loguniform, randint,
                               random_search, successive_halving, uniform)


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


def _peak_at_0_1(config, epochs):
    return -abs(math.log(config["lr"] / 0.1))


def test_chance_within_2x_matches_the_sampler():
    # the ceiling on "random search's best lr within 2x of the grid's": one of its draws must be
    space = {"lr": loguniform(1e-3, 1.0)}
    assert chance_within_factor(space["lr"], 0.1, 2, 3) == pytest.approx(
        1 - (1 - math.log(4) / math.log(1000)) ** 3)
    assert chance_within_factor(space["lr"], 0.1, 2, 3) == pytest.approx(0.489, abs=1e-3)
    rng = np.random.default_rng(0)
    draws = np.array([[space["lr"].sample(rng) for _ in range(3)] for _ in range(4000)])
    for target in (0.1, 1.0, 0.0015):            # interior, at an end, near an end
        hits = ((draws >= target / 2) & (draws <= target * 2)).any(axis=1)
        assert np.mean(hits) == pytest.approx(chance_within_factor(space["lr"], target, 2, 3),
                                              abs=0.025)
    # and random search's best (a peak at 0.1) is within 2x no more often than that
    best = [random_search(_peak_at_0_1, space, 3, seed=s, executor=SerialExecutor()).best["lr"]
            for s in range(200)]
    within = np.mean([0.05 <= b <= 0.2 for b in best])
    assert within <= chance_within_factor(space["lr"], 0.1, 2, 3) + 0.07
    assert chance_within_factor(space["lr"], 5.0, 2, 3) == 0.0      # out of range
    with pytest.raises(TypeError, match="loguniform"):
        chance_within_factor(uniform(0, 1), 0.5)
    with pytest.raises(ValueError, match="factor"):
        chance_within_factor(space["lr"], 0.1, factor=1)


# --- the MNIST-1D objective: splits, common random numbers --------------------------------
def test_mnist1d_objective_splits_are_disjoint():
    from deepgrad.datasets import load_mnist1d
    d = load_mnist1d()
    train, val, test = MNIST1DObjective(num_train=300, num_val=200).data()
    np.testing.assert_array_equal(train[0], d["x"][:300].astype(np.float32))
    # validation: the end of the training split, not the test split
    np.testing.assert_array_equal(val[0], d["x"][-200:].astype(np.float32))
    np.testing.assert_array_equal(test[1], d["y_test"])
    with pytest.raises(ValueError, match=r"3000 \+ 1001 = 4001"):
        MNIST1DObjective(num_train=3000, num_val=1001)
    with pytest.raises(ValueError, match="schedule"):
        MNIST1DObjective(schedule="step")


def test_mnist1d_objective_common_random_numbers(monkeypatch):
    from deepgrad.optim import _fused
    monkeypatch.setattr(_fused, "ENABLED", False)      # no JIT compile in a short test

    def start(objective, lr):
        model, trainer = objective.build({"lr": lr, "hidden": 8}, epochs=3)
        return [p.detach().numpy().copy() for p in model.parameters()], trainer

    (w_a, t_a), (w_b, t_b) = [start(MNIST1DObjective(seed=4), lr) for lr in (0.01, 0.5)]
    w_c, t_c = start(MNIST1DObjective(seed=5), 0.01)
    # same seed, different configs: the same initial weights and the same batch order
    for a, b in zip(w_a, w_b):
        np.testing.assert_array_equal(a, b)
    order = [t.generator.get_state() for t in (t_a, t_b, t_c)]
    assert np.array_equal(order[0], order[1]) and not np.array_equal(order[0], order[2])
    assert not np.array_equal(w_a[0], w_c[0])                # a new seed: a new draw
    # the cosine schedule anneals over the trial's own budget: lr (1 + cos(pi e / 3)) / 2
    objective = MNIST1DObjective(num_train=100, num_val=100, seed=4, report_test=True)
    _, trainer = objective.build({"lr": 0.2, "hidden": 8}, epochs=3)
    train, val, _ = objective.data()
    lrs = trainer.fit(train, epochs=3, val=val).history["lr"]
    cosine = [0.2 * (1 + math.cos(math.pi * e / 3)) / 2 for e in range(3)]
    np.testing.assert_allclose(lrs, cosine)
    # a trial is reproducible, and the test accuracy is recorded but not the score
    first, again = objective({"lr": 0.2, "hidden": 8}, 2), objective({"lr": 0.2, "hidden": 8}, 2)
    assert first == again and set(first) == {"score", "test_accuracy"}
    plain = MNIST1DObjective(num_train=100, num_val=100, seed=4)({"lr": 0.2, "hidden": 8}, 2)
    assert plain == first["score"]


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
@pytest.mark.slow
def test_mnist1d_random_finds_grid_lr_with_a_third_of_trials():
    # bench/tune.py's lr claim at a smaller size (1,000 examples, 10 epochs, 5 repeats; about
    # 10 s of CPU). Repeat k: common random numbers (objective seed k for all 12 trials), k
    # seeds the 3 random draws. The fast tests above check the mechanics and the ceiling.
    space = {"lr": loguniform(1e-3, 1.0)}
    log2_ratios = []
    for seed in range(5):
        objective = MNIST1DObjective(num_train=1000, num_val=1000, hidden=32, seed=seed)
        grid = grid_search(objective, space, points=9, epochs=10, executor=SerialExecutor())
        found = random_search(objective, space, num_trials=3, epochs=10, seed=seed,
                              executor=SerialExecutor())
        ratio = math.log2(found.best["lr"] / grid.best["lr"])
        log2_ratios.append(ratio)
        # the lr-accuracy curve is smooth enough that a draw within 2x of the grid's best,
        # when there is one, is the one random search picks (p <= 0.49 that there is one)
        if any(abs(math.log2(t["lr"] / grid.best["lr"])) <= 1 for t in found):
            assert abs(ratio) <= 1, (seed, grid.best, found.rows)
    # averaged over seeds (geometrically), random search's best lr is within 2x of the grid's
    assert abs(np.mean(log2_ratios)) <= 1, log2_ratios
