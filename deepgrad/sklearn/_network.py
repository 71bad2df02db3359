"""The network behind MLPClassifier / MLPRegressor and its loss, in scikit-learn's terms.

The model is an ``nn.Sequential`` of ``Linear`` layers (with optional ``BatchNorm1d`` and
``Dropout`` after each hidden layer). scikit-learn stores a layer as ``coefs_[i]`` of shape
(fan_in, fan_out) and ``intercepts_[i]``; a deepgrad ``Linear`` keeps ``weight`` as
(fan_out, fan_in), so ``coefs_[i]`` is ``weight.T`` (a view: writing into it changes the model).

Initialisation is scikit-learn's (Glorot uniform): ``W, b ~ U(-r, r)`` with
``r = sqrt(6 / (fan_in + fan_out))`` (``sqrt(2 / ...)`` for the logistic activation), drawn
from the estimator's ``RandomState`` in scikit-learn's order (weights, then biases, layer by
layer), so the same ``random_state`` starts from scikit-learn's exact weights.

Losses, for ``n`` samples with weights ``s_i`` (all 1 without sample_weight),
``S = sum_i s_i``, logits ``z`` and the one-hot / indicator / numeric targets ``Y``:

* softmax output (multiclass):   ``L = -(1/S) sum_i s_i log softmax(z_i)[y_i]``
* logistic output (binary, multilabel): ``L = (1/S) sum_i s_i sum_k BCE(z_ik, Y_ik)``
* identity output (squared error): ``L = (1/S) sum_i s_i sum_k (z_ik - Y_ik)^2 / 2``
* exp output (Poisson):          ``L = (1/S) sum_i s_i sum_k (exp(z_ik) - Y_ik z_ik)``

plus the L2 penalty ``alpha / (2 S) * sum_layers ||W||^2`` (biases are not penalised). These
are the objectives whose gradients scikit-learn follows; for squared error with k outputs its
reported ``loss_`` is ``L / k`` (a mean over outputs), and for Poisson it adds the constant
``mean_i sum_k (Y log Y - Y)`` - :func:`reported_loss` applies both.
"""
import numpy as np
from scipy.special import expit, xlogy

from .. import nn
from ..autograd.grad_mode import no_grad
from ..creation import from_numpy
from ..dtypes import from_numpy_dtype
from ..nn import functional as F
from ..random import get_rng_state, set_rng_state

HIDDEN_ACTIVATIONS = {"identity": nn.Identity, "logistic": nn.Sigmoid, "tanh": nn.Tanh,
                      "relu": nn.ReLU}


def build_network(layer_units, activation, dropout, batch_norm, dtype, random_state,
                  dropout_generator=None):
    """Sequential MLP for ``layer_units = [n_features, *hidden, n_outputs]``, Glorot-initialised
    from ``random_state`` (a ``numpy.random.RandomState``), parameters of NumPy ``dtype``."""
    dg_dtype = from_numpy_dtype(np.dtype(dtype))
    factor = 2.0 if activation == "logistic" else 6.0
    saved = get_rng_state()     # Linear's own default init draws from the global generator:
    try:                        # leave the user's random stream as it was
        layers = []
        last = len(layer_units) - 2
        for i, (fan_in, fan_out) in enumerate(zip(layer_units[:-1], layer_units[1:])):
            linear = nn.Linear(fan_in, fan_out, dtype=dg_dtype)
            bound = np.sqrt(factor / (fan_in + fan_out))
            coef = random_state.uniform(-bound, bound, (fan_in, fan_out))
            intercept = random_state.uniform(-bound, bound, fan_out)
            with no_grad():
                linear.weight.copy_(from_numpy(np.ascontiguousarray(coef.T).astype(dtype)))
                linear.bias.copy_(from_numpy(intercept.astype(dtype)))
            layers.append(linear)
            if i < last:
                if batch_norm:
                    layers.append(nn.BatchNorm1d(fan_out, dtype=dg_dtype))
                layers.append(HIDDEN_ACTIVATIONS[activation]())
                if dropout > 0:
                    layers.append(nn.Dropout(dropout, generator=dropout_generator))
    finally:
        set_rng_state(saved)
    return nn.Sequential(*layers)


def linear_layers(module):
    """The Linear layers of the network, input to output."""
    return [m for m in module if isinstance(m, nn.Linear)]


def output_activation(name, z):
    """Apply the output activation (``softmax``/``logistic``/``identity``/``exp``) to logits."""
    if name == "softmax":
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)
    if name == "logistic":
        return expit(z)
    if name == "exp":
        return np.exp(z)
    return z


def objective(name, z, target, weights=None):
    """The training objective ``L`` of the module docstring (a Tensor).

    ``target`` is a Tensor: class indices for softmax, a float matrix otherwise; ``weights``
    a float Tensor of sample weights or None.
    """
    if name == "softmax":
        if weights is None:
            return F.cross_entropy(z, target)
        per_sample = F.cross_entropy(z, target, reduction="none")
    elif name == "logistic":
        per_sample = F.binary_cross_entropy_with_logits(z, target, reduction="none").sum(1)
    elif name == "identity":
        if weights is None:
            return F.mse_loss(z, target) * (0.5 * z.shape[1])
        per_sample = ((z - target) ** 2).sum(1) * 0.5
    else:   # exp: Poisson deviance up to a constant; its gradient in z is exp(z) - y
        per_sample = (z.exp() - target * z).sum(1)
    if weights is None:
        return per_sample.mean()
    return (per_sample * weights).sum() / weights.sum()


def reported_loss(name, value, target, weights=None):
    """scikit-learn's ``loss_`` from the objective's value (see the module docstring)."""
    if name == "identity":
        return value / target.shape[1]
    if name == "exp":
        per_sample = (xlogy(target, target) - target).sum(axis=1)
        return value + float(np.average(per_sample, weights=weights))
    return value


def l2_penalty(coefs, alpha, weight_sum):
    """``alpha / (2 S) * sum ||W||^2`` as a float (the value scikit-learn adds to the loss)."""
    total = 0.0
    for w in coefs:
        flat = w.ravel()
        total += float(np.dot(flat, flat))
    return 0.5 * alpha * total / weight_sum
