"""Mixed precision (``torch.amp``): loss scaling is real, autocasting is declined honestly."""
from .autocast_mode import autocast, is_autocast_enabled
from .grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast", "is_autocast_enabled"]
