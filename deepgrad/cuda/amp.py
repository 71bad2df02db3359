"""``torch.cuda.amp``: the deprecated spellings of ``deepgrad.amp`` with ``device="cuda"``.

torch 2.13 still accepts them with a FutureWarning; so does deepgrad.
"""
import warnings

from .. import amp as _amp


class GradScaler(_amp.GradScaler):
    """``torch.cuda.amp.GradScaler(...)``, i.e. ``deepgrad.amp.GradScaler("cuda", ...)``."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval,
                         enabled)


class autocast(_amp.autocast):  # noqa: N801
    """``torch.cuda.amp.autocast(...)``, i.e. ``deepgrad.autocast("cuda", ...)``."""

    def __init__(self, enabled=True, dtype=None, cache_enabled=True):
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)
