"""Batch and instance normalisation layers: BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d.

Batch normalisation (Ioffe & Szegedy, 2015) standardises each channel with the
statistics of the current mini-batch, then applies a learned affine map:

    y = (x - mean_B) / sqrt(var_B + eps) * weight + bias

During training it also keeps running estimates for use at evaluation time:

    running_mean = (1 - momentum) * running_mean + momentum * mean_B
    running_var  = (1 - momentum) * running_var  + momentum * var_B * n / (n - 1)

(the running variance uses the *unbiased* batch variance). With ``momentum=None`` the
running statistics are a cumulative average: momentum = 1 / num_batches_tracked.
In ``eval()`` mode the running statistics replace the batch ones, so the output of a
sample no longer depends on the rest of the batch.

Instance normalisation standardises each (sample, channel) over its spatial positions,
the same in training and evaluation unless ``track_running_stats=True``.
"""
import warnings

from ... import creation, dtypes
from ...autograd import grad_mode
from .. import init
from ..functional import normalization as F
from .module import Module
from .normalization import register_affine


class _NormBase(Module):
    """Parameters and buffers shared by batch and instance normalisation."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        if num_features <= 0:
            raise ValueError(f"num_features must be positive, got {num_features}")
        self.num_features = int(num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        register_affine(self, self.num_features, affine, bias, dtype, device)
        if track_running_stats:
            self.register_buffer("running_mean",
                                 creation.zeros(self.num_features, dtype=dtype, device=device))
            self.register_buffer("running_var",
                                 creation.ones(self.num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked",
                                 creation.tensor(0, dtype=dtypes.long, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        if self.track_running_stats:
            with grad_mode.no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self):
        """Reset the running statistics, and weight = 1, bias = 0."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input):  # noqa: A002
        raise NotImplementedError

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    def forward(self, input):  # noqa: A002
        self._check_input_dim(input)
        shape = input._data.shape
        if shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: expected input with {self.num_features} "
                             f"channels (num_features) in dim 1, got {shape[1]} "
                             f"(input shape {tuple(shape)})")
        # registry lookups go through Module.__getattr__: fetch each once
        buffers = self._buffers
        running_mean, running_var = buffers["running_mean"], buffers["running_var"]
        counter = buffers["num_batches_tracked"]
        training = self.training
        factor = 0.0 if self.momentum is None else self.momentum
        if training and self.track_running_stats and counter is not None:
            # checked by F.batch_norm too, but the counter must not move on a failing call
            if input._data.size // shape[1] <= 1:
                raise ValueError(f"Expected more than 1 value per channel when training, got "
                                 f"input size {list(shape)}")
            counter._data += 1
            counter._vc[0] += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(counter._data)
        # batch statistics in training, and in eval when no running statistics are kept
        use_batch = training or (running_mean is None and running_var is None)
        track = not training or self.track_running_stats
        params = self._parameters
        return F.batch_norm(input, running_mean if track else None,
                            running_var if track else None, params["weight"], params["bias"],
                            use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over a (N, C) or (N, C, L) input, statistics per channel C.

    Args:
        num_features (int): C.
        eps (float): added to the variance. Default: 1e-5.
        momentum (float or None): weight of the new batch in the running statistics;
            None for a cumulative average. Default: 0.1.
        affine (bool): learn weight (init 1) and bias (init 0). Default: True.
        bias (bool, keyword only): with affine, also learn the bias. Default: True.
        track_running_stats (bool): keep running_mean/running_var/num_batches_tracked and
            use them in eval mode; if False, batch statistics are used always. Default: True.

    Example::

        bn = nn.BatchNorm1d(256)
        y = bn(deepgrad.randn(128, 256))    # each column: mean 0, variance 1 (before affine)
    """

    def _check_input_dim(self, input):  # noqa: A002
        if input.ndim not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.ndim}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over a (N, C, H, W) input, statistics per channel over N, H, W.
    Arguments as :class:`BatchNorm1d`."""

    def _check_input_dim(self, input):  # noqa: A002
        if input.ndim != 4:
            raise ValueError(f"expected 4D input (got {input.ndim}D input)")


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over a (N, C, D, H, W) input. Arguments as :class:`BatchNorm1d`."""

    def _check_input_dim(self, input):  # noqa: A002
        if input.ndim != 5:
            raise ValueError(f"expected 5D input (got {input.ndim}D input)")


class _InstanceNorm(_NormBase):
    _spatial = 1

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)

    def forward(self, input):  # noqa: A002
        k = self._spatial
        if input.ndim not in (k + 1, k + 2):
            raise ValueError(f"expected {k + 1}D or {k + 2}D input (got {input.ndim}D input)")
        unbatched = input.ndim == k + 1
        x = input.unsqueeze(0) if unbatched else input
        if x.shape[1] != self.num_features:
            msg = (f"{type(self).__name__}: expected input's size at dim 1 to match "
                   f"num_features ({self.num_features}), but got: {x.shape[1]}.")
            if self.affine or self.track_running_stats:
                raise ValueError(msg)
            warnings.warn(msg + " (no affine parameters or running statistics use it)",
                          UserWarning, stacklevel=2)
        momentum = 0.0 if self.momentum is None else self.momentum
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats, momentum, self.eps)
        return y.squeeze(0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of a (N, C, L) or (C, L) input: each channel of each sample
    standardised over L. ``affine`` and ``track_running_stats`` default to False, as in
    PyTorch; other arguments as :class:`BatchNorm1d`."""
    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of a (N, C, H, W) or (C, H, W) input (style transfer's
    normalisation): each feature map standardised over H, W."""
    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of a (N, C, D, H, W) or (C, D, H, W) input."""
    _spatial = 3
