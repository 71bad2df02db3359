"""The optimiser playground: gradients against the closed-form derivatives, known minima,
optimiser behaviour that follows from theory, and the PNG/GIF files."""
import numpy as np
import pytest

from deepgrad import optim
from deepgrad.lab import FUNCTIONS, gd_variant_paths, optimizer_paths


def test_known_minima_are_minima():
    for name, fn in FUNCTIONS.items():
        for m in fn.minima:
            assert fn(*m) == pytest.approx(0.0, abs=1e-8), name


def test_first_sgd_step_uses_the_analytic_gradient():
    x, y = -1.5, 2.0          # Rosenbrock: df/dx = -2(1-x) - 400x(y-x^2), df/dy = 200(y-x^2)
    grad = np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
    result = optimizer_paths("rosenbrock", {"SGD": (optim.SGD, {"lr": 1e-4})}, steps=1,
                             start=(x, y))
    np.testing.assert_allclose(result.paths["SGD"][1], np.array([x, y]) - 1e-4 * grad,
                               rtol=1e-12)
    assert result.values["SGD"][0] == pytest.approx(FUNCTIONS["rosenbrock"](x, y))


def test_ill_conditioning_slows_plain_gd_and_momentum_helps():
    # on (x^2 + 50 y^2)/2 GD with lr < 2/50 is stable; x shrinks by (1 - lr) a step only
    lr = 0.035
    result = optimizer_paths("quadratic", {"GD": (optim.SGD, {"lr": lr}),
                                           "momentum": (optim.SGD, {"lr": lr, "momentum": 0.9})},
                             steps=100)
    gd = result.paths["GD"]
    np.testing.assert_allclose(gd[-1, 0], -1.8 * (1 - lr) ** 100, rtol=1e-10)
    assert abs(result.paths["momentum"][-1]).max() < abs(gd[-1]).max()
    unstable = optimizer_paths("quadratic", {"GD": (optim.SGD, {"lr": 0.041})}, steps=50)
    assert abs(unstable.paths["GD"][-1, 1]) > 0.6     # lr > 2/50: the y oscillation grows


def test_adam_finds_a_himmelblau_minimum_and_escapes_the_saddle():
    result = optimizer_paths("himmelblau", {"Adam": (optim.Adam, {"lr": 0.05})}, steps=500)
    end = result.paths["Adam"][-1]
    assert min(np.linalg.norm(end - np.array(m)) for m in FUNCTIONS["himmelblau"].minima) < 1e-2
    saddle = optimizer_paths("saddle", {"Adam": (optim.Adam, {"lr": 0.05})}, steps=100)
    assert abs(saddle.paths["Adam"][-1, 1]) > 1.0      # the y direction curves downwards


def test_gd_variants_step_counts_and_noise(tmp_path):
    result = gd_variant_paths(n_samples=64, batch_sizes={"batch": 64, "mini": 16, "sgd": 1},
                              lr=0.05, epochs=3, seed=0)
    assert [len(p) for p in result.paths.values()] == [3 + 1, 3 * 4 + 1, 3 * 64 + 1]
    # SGD's steps scatter around the full-batch direction: more turning than mini-batch
    def turning(path):
        steps = np.diff(path, axis=0)
        cos = (steps[1:] * steps[:-1]).sum(1) / (np.linalg.norm(steps[1:], axis=1)
                                                 * np.linalg.norm(steps[:-1], axis=1))
        return 1 - cos.mean()
    assert turning(result.paths["sgd"]) > turning(result.paths["mini"])
    result.plot(tmp_path / "v.png")
    assert (tmp_path / "v.png").read_bytes()[:4] == b"\x89PNG"


def test_png_and_gif(tmp_path):
    result = optimizer_paths("beale", steps=20)
    assert set(result.paths) == {"SGD", "momentum", "RMSprop", "Adam"}
    result.plot(tmp_path / "b.png")
    result.animate(tmp_path / "b.gif", frames=4)
    assert (tmp_path / "b.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "b.gif").read_bytes()[:4] == b"GIF8"


def test_bad_input():
    with pytest.raises(ValueError, match="unknown function"):
        optimizer_paths("banana")
    with pytest.raises(ValueError, match="steps"):
        optimizer_paths("beale", steps=0)
    with pytest.raises(ValueError, match="start"):
        optimizer_paths("beale", start=(1, 2, 3))
    with pytest.raises(ValueError, match="non-empty"):
        optimizer_paths("beale", optimizers={})
    with pytest.raises(ValueError, match="batch size"):
        gd_variant_paths(n_samples=10, batch_sizes={"big": 11})
