"""Upsampling layers: Upsample, UpsamplingNearest2d, UpsamplingBilinear2d.

Modules over ``deepgrad.nn.functional.interpolate`` (the index maps are in
``functional/upsampling.py``).

Example::

    up = nn.Upsample(scale_factor=2, mode="nearest")
    up(deepgrad.randn(1, 3, 8, 8)).shape      # (1, 3, 16, 16)
"""
from ..functional.upsampling import interpolate
from .module import Module


class Upsample(Module):
    """Resize (N, C, L) or (N, C, H, W) inputs to ``size`` or by ``scale_factor``.

    Args: size (int or tuple) or scale_factor (float or tuple); mode ('nearest' (default),
    'nearest-exact', 'linear', 'bilinear'); align_corners (linear modes; default False);
    recompute_scale_factor (default None).
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):  # noqa: A002
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """2-D nearest-neighbour upsampling: ``Upsample(size, scale_factor, mode='nearest')``."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """2-D bilinear upsampling with align_corners=True (torch's definition of this layer)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
