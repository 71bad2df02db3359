"""Bernoulli and Categorical, parameterised by ``probs`` or by ``logits`` (exactly one).

    Bernoulli(p):      log p(x) = x log p + (1 - x) log(1 - p)  = -BCE-with-logits(logit, x)
                       entropy  = BCE-with-logits(logit, p)
    Categorical(p):    log p(k) = log_softmax(logits)[k];  entropy = -sum_k p_k log p_k
                       (``probs`` are normalised along the last dim; logits = log probs)
Draws have no gradient (there is no reparameterisation of a discrete choice).
"""
import numpy as np

from ..ops import elementwise as E
from ..ops import index as I
from ..ops import reduce as R
from ..ops import softmax as S
from ..ops._util import constant
from ..random import numpy_generator
from .distribution import Distribution


def _one_of(probs, logits, name):
    if (probs is None) == (logits is None):
        raise ValueError(f"Either `probs` or `logits` must be specified, but not both "
                         f"({name}).")


class Bernoulli(Distribution):
    _param_names = ("probs",)

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of(probs, logits, "Bernoulli")
        from ..creation import tensor  # noqa: PLC0415
        if probs is not None:
            self.probs = probs if hasattr(probs, "_data") else tensor(float(probs))
            p = E.clamp(self.probs, 1e-12, 1 - 1e-7 if self.probs._data.dtype == np.float32
                        else 1 - 1e-15)
            self.logits = E.log(p) - E.log1p(-p)
        else:
            self.logits = logits if hasattr(logits, "_data") else tensor(float(logits))
            self.probs = E.sigmoid(self.logits)
        super().__init__(self.probs.shape)

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def _sample(self, sample_shape):
        shape = self._extended_shape(sample_shape)
        u = numpy_generator().random(shape)
        return constant((u < self.probs._data).astype(self.probs._data.dtype), self.probs)

    def log_prob(self, value):
        from ..nn.functional import binary_cross_entropy_with_logits  # noqa: PLC0415
        logits = self.logits.expand(value.shape) if tuple(value.shape) != tuple(
            self.logits.shape) else self.logits
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        from ..nn.functional import binary_cross_entropy_with_logits  # noqa: PLC0415
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")


class Categorical(Distribution):
    _param_names = ("probs", "logits")

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of(probs, logits, "Categorical")
        if probs is not None:
            if probs.ndim < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / R.sum(probs, -1, keepdim=True)
            self.logits = E.log(E.clamp(self.probs, min=float(np.finfo(
                self.probs._data.dtype).tiny)))
        else:
            if logits.ndim < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - R.logsumexp(logits, -1, keepdim=True)
            self.probs = S.softmax(logits, -1)
        self._num_events = self.probs.shape[-1]
        super().__init__(self.probs.shape[:-1])

    @property
    def param_shape(self):
        return self.probs.shape

    @property
    def mean(self):
        return constant(np.full(self.batch_shape, np.nan, self.probs._data.dtype), self.probs)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    def _sample(self, sample_shape):
        p = self.probs._data.reshape(-1, self._num_events).astype(np.float64)
        cdf = np.cumsum(p, axis=1)
        cdf /= cdf[:, -1:]
        n = int(np.prod(sample_shape)) if len(sample_shape) else 1
        u = numpy_generator().random((n, p.shape[0], 1))
        draws = np.minimum((u > cdf[None]).sum(-1), self._num_events - 1)
        shape = tuple(sample_shape) + tuple(self.batch_shape)
        return constant(draws.reshape(shape).astype(np.int64), self.probs)

    def log_prob(self, value):
        idx = value.long().unsqueeze(-1)
        shape = np.broadcast_shapes(tuple(idx.shape), tuple(self.logits.shape[:-1]) + (1,))
        logits = self.logits.expand(shape[:-1] + (self._num_events,))
        return I.gather(logits, -1, idx.expand(shape)).squeeze(-1)

    def entropy(self):
        min_real = float(np.finfo(self.logits._data.dtype).min)
        logits = E.clamp(self.logits, min=min_real)
        return -R.sum(logits * self.probs, -1)
