"""scikit-learn's MLP solvers on deepgrad optimisers.

``solver="sgd"`` and ``"adam"`` run deepgrad's ``optim.SGD`` / ``optim.Adam`` with two small
adjustments that make every step equal to scikit-learn's:

* SGD. scikit-learn keeps a velocity ``v <- mu v - lr g`` and adds it to the weights; torch's
  SGD keeps ``b <- mu b + g`` and subtracts ``lr b``. With ``v = -lr b`` both are the same
  update (Nesterov included), as long as ``lr`` is constant; when the schedule changes ``lr``
  (``invscaling``, ``adaptive``) the buffer is rescaled by ``lr_old / lr_new`` so that
  ``-lr b`` stays equal to scikit-learn's velocity.
* Adam. scikit-learn's step is ``lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)``;
  torch's puts ``eps`` inside the bias correction,
  ``lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps')``. Setting
  ``eps' = eps / sqrt(1 - b2^t)`` before step t makes them equal.

Learning-rate schedules (``solver="sgd"`` only, as in scikit-learn): ``constant``;
``invscaling``: after each epoch ``lr = learning_rate_init / (t + 1) ** power_t`` with ``t``
the number of samples seen; ``adaptive``: when the loss stops improving, ``lr /= 5`` (stop
once ``lr <= 1e-6``). Any other deepgrad optimiser can be chosen by name (``optimizer=``);
it runs with its own defaults and ``lr = learning_rate_init``.

``solver="lbfgs"`` runs SciPy's L-BFGS-B on the flattened parameters, as scikit-learn does.
"""
import contextlib
import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from .. import optim
from ..optim import _fused
from ..creation import from_numpy
from ..autograd.grad_mode import no_grad

OPTIMIZERS = {name.lower(): getattr(optim, name) for name in (
    "SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta",
    "Rprop", "ASGD", "Adafactor")}


# Below this many parameters the optimisers run their NumPy kernels, not numba's fused loops:
# importing numba and compiling a loop costs about a second once per process (5 s on a busy
# machine), more than one pass instead of twelve saves on a few thousand numbers in a whole
# fit. Both paths give the same bits (tests/optim/test_fused.py).
SMALL_NETWORK = 100_000


@contextlib.contextmanager
def update_kernels_for(n_parameters):
    """Run the NumPy update kernels while training a small network (see SMALL_NETWORK)."""
    if n_parameters >= SMALL_NETWORK:
        yield
        return
    previous, _fused.ENABLED = _fused.ENABLED, False
    try:
        yield
    finally:
        _fused.ENABLED = previous


def optimizer_class(name_or_class):
    """The deepgrad optimiser for a name (case-insensitive) or an ``Optimizer`` subclass."""
    if isinstance(name_or_class, type) and issubclass(name_or_class, optim.Optimizer):
        return name_or_class
    if isinstance(name_or_class, str) and name_or_class.lower() in OPTIMIZERS:
        return OPTIMIZERS[name_or_class.lower()]
    raise ValueError(f"optimizer must be None, an optimizer name in {sorted(OPTIMIZERS)} or a "
                     f"deepgrad.optim.Optimizer subclass, got {name_or_class!r}")


class StochasticSolver:
    """One deepgrad optimiser plus scikit-learn's learning-rate schedule and stopping rule."""

    def __init__(self, est, params):
        self.kind = est.optimizer if est.optimizer is not None else est.solver
        self.schedule = est.learning_rate if self.kind == "sgd" else "constant"
        self.lr_init = self.lr = float(est.learning_rate_init)
        self.power_t = est.power_t
        self.steps = 0
        if self.kind == "sgd":
            self.optimizer = optim.SGD(params, lr=self.lr, momentum=est.momentum,
                                       nesterov=bool(est.nesterovs_momentum and est.momentum > 0))
        elif self.kind == "adam":
            self.beta_2, self.epsilon = est.beta_2, est.epsilon
            self.optimizer = optim.Adam(params, lr=self.lr, betas=(est.beta_1, est.beta_2),
                                        eps=est.epsilon)
        else:
            self.optimizer = optimizer_class(self.kind)(params, lr=self.lr)

    def step(self):
        self.steps += 1
        if self.kind == "adam":   # scikit-learn's eps (module docstring)
            eps = self.epsilon / np.sqrt(1.0 - self.beta_2 ** self.steps)
            for group in self.optimizer.param_groups:
                group["eps"] = eps
        self.optimizer.step()

    def _set_lr(self, lr):
        if self.kind == "sgd" and lr != self.lr:
            for state in self.optimizer.state.values():
                buf = state.get("momentum_buffer")
                if buf is not None:
                    with no_grad():
                        buf.mul_(self.lr / lr)
        self.lr = lr
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def iteration_ends(self, samples_seen):
        if self.schedule == "invscaling":
            self._set_lr(self.lr_init / (samples_seen + 1) ** self.power_t)

    def trigger_stopping(self, message, verbose):
        """True to stop; with the adaptive schedule, first divide lr by 5 until it is tiny."""
        if self.schedule != "adaptive":
            if verbose:
                print(message + " Stopping.")
            return True
        if self.lr <= 1e-6:
            if verbose:
                print(message + " Learning rate too small. Stopping.")
            return True
        self._set_lr(self.lr / 5.0)
        if verbose:
            print(message + f" Setting learning rate to {self.lr:f}")
        return False


def fit_lbfgs(params, loss_and_backward, max_iter, max_fun, tol):
    """Minimise with SciPy's L-BFGS-B; ``loss_and_backward()`` returns the loss (a float)
    after filling every parameter's ``.grad``. Returns ``(n_iter, final loss)``."""
    shapes = [p.shape for p in params]
    sizes = [int(np.prod(s)) for s in shapes]
    offsets = np.cumsum([0] + sizes)
    dtype = params[0].detach().numpy().dtype

    def unpack(flat):
        with no_grad():
            for p, start, stop, shape in zip(params, offsets[:-1], offsets[1:], shapes):
                p.copy_(from_numpy(flat[start:stop].reshape(shape).astype(dtype)))

    def fun(flat):
        unpack(flat)
        for p in params:
            p.grad = None
        loss = loss_and_backward()
        grad = np.concatenate([p.grad.numpy().ravel() if p.grad is not None
                               else np.zeros(size) for p, size in zip(params, sizes)])
        return loss, grad.astype(np.float64)

    x0 = np.concatenate([p.detach().numpy().ravel() for p in params]).astype(np.float64)
    options = {"maxfun": max_fun, "maxiter": max_iter, "gtol": tol}
    result = scipy.optimize.minimize(fun, x0, method="L-BFGS-B", jac=True, options=options)
    unpack(result.x)
    if result.status != 0:
        message = result.message.decode() if isinstance(result.message, bytes) else result.message
        warnings.warn(f"lbfgs failed to converge after {result.nit} iteration(s) "
                      f"(status={result.status}): {message}. Increase the number of iterations "
                      f"(max_iter={max_iter}) or scale the data.", ConvergenceWarning,
                      stacklevel=3)
    return min(result.nit, max_iter), float(result.fun)
