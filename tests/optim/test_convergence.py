"""Each optimiser reaches the minimum of an ill-conditioned quadratic (condition number 100).

f(x) = 1/2 x^T A x - b^T x, A with eigenvalues 1 ... 100, minimiser x* = A^-1 b, in float32.
"""
import numpy as np
import pytest

import deepgrad
import deepgrad.optim as optim
from deepgrad.optim.lr_scheduler import ExponentialLR

N = 10


def _problem():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.standard_normal((N, N)))
    a = (q * np.logspace(0, 2, N)) @ q.T
    b = rng.standard_normal(N)
    return a, b, np.linalg.solve(a, b)


A, B, X_STAR = _problem()
assert np.isclose(np.linalg.cond(A), 100.0)

# (optimiser, options, steps, ExponentialLR gamma or None). Methods whose step does not
# shrink near the minimum (RMSprop, NAdam, Adadelta) get a decaying learning rate.
CASES = [
    ("SGD", dict(lr=0.019), 600, None),
    ("SGD", dict(lr=0.01, momentum=0.8), 300, None),
    ("SGD", dict(lr=0.01, momentum=0.8, nesterov=True), 300, None),
    ("Adagrad", dict(lr=0.5), 1000, None),
    ("Adadelta", dict(lr=1.0, eps=1e-4), 3000, 0.998),
    ("RMSprop", dict(lr=0.01), 1000, 0.995),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5), 1000, 0.995),
    ("Adam", dict(lr=0.05), 1000, None),
    ("Adam", dict(lr=0.05, amsgrad=True), 1000, None),
    ("AdamW", dict(lr=0.05, weight_decay=0.0), 1000, None),
    ("Adamax", dict(lr=0.05), 1000, None),
    ("NAdam", dict(lr=0.05), 1000, 0.997),
    ("RAdam", dict(lr=0.05), 1000, None),
]


def _loss(x, a, b):
    return 0.5 * (x * (a @ x)).sum() - (b * x).sum()


@pytest.mark.parametrize("name,kw,steps,gamma", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_converges_on_ill_conditioned_quadratic(name, kw, steps, gamma):
    a = deepgrad.tensor(A.astype(np.float32))
    b = deepgrad.tensor(B.astype(np.float32))
    x = deepgrad.zeros(N, requires_grad=True)
    opt = getattr(optim, name)([x], **kw)
    sched = ExponentialLR(opt, gamma) if gamma else None
    for _ in range(steps):
        opt.zero_grad()
        _loss(x, a, b).backward()
        opt.step()
        if sched:
            sched.step()
    assert x._data.dtype == np.float32  # float32 stayed float32
    for st in opt.state.values():
        assert all(v._data.dtype == np.float32 for k, v in st.items() if k != "step")
    err = np.linalg.norm(x.detach().numpy() - X_STAR) / np.linalg.norm(X_STAR)
    assert err < 1e-4


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_converges(line_search_fn):
    a, b = deepgrad.tensor(A), deepgrad.tensor(B)
    x = deepgrad.zeros(N, dtype=deepgrad.float64, requires_grad=True)
    opt = optim.LBFGS([x], lr=1 if line_search_fn else 0.5, line_search_fn=line_search_fn,
                      max_iter=50, tolerance_grad=1e-10, tolerance_change=1e-14)

    def closure():
        opt.zero_grad()
        loss = _loss(x, a, b)
        loss.backward()
        return loss

    for _ in range(3):
        opt.step(closure)
    np.testing.assert_allclose(x.detach().numpy(), X_STAR, rtol=1e-6, atol=1e-8)
