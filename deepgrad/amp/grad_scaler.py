"""Dynamic loss scaling (``torch.amp.GradScaler``).

Half-precision gradients underflow to zero when they are small. Loss scaling multiplies
the loss by a large factor ``S`` before ``backward()``, so every gradient is ``S`` times
larger, then divides the gradients by ``S`` before the optimiser uses them:

    scaler.scale(loss).backward()    # grads = S * dL/dw
    scaler.step(optimizer)           # grads /= S; skip the step if any is inf or NaN
    scaler.update()                  # inf/NaN seen: S *= backoff_factor
                                     # growth_interval clean steps in a row: S *= growth_factor

The rule is device-agnostic, so deepgrad runs it on whatever the parameters live on.
As in PyTorch, ``GradScaler("cuda")`` on a machine without a GPU warns and disables
itself; a disabled scaler passes everything through (``scale`` returns its input,
``step`` calls ``optimizer.step()``, ``get_scale()`` is 1.0), which is what a CPU run of
an AMP training script needs.
"""
import warnings

import numpy as np

from ..tensor import Tensor

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"


class GradScaler:
    """Scale the loss, unscale the gradients, skip steps with inf/NaN gradients.

    Args:
        device (str): where the model runs: "cuda" (default) or "cpu".
        init_scale (float): the first scale factor S. Default 2**16.
        growth_factor (float): S is multiplied by this after ``growth_interval`` steps
            without inf/NaN gradients. Default 2.0 (must be > 1).
        backoff_factor (float): S is multiplied by this after a step with inf/NaN
            gradients (which is skipped). Default 0.5 (must be < 1).
        growth_interval (int): clean steps between growths. Default 2000.
        enabled (bool): False makes every method a pass-through. Default True.
    """

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0,
                 backoff_factor=0.5, growth_interval=2000, enabled=True):
        self._device = str(device)
        if enabled and self._device == "cuda":
            from ..cuda import is_available  # noqa: PLC0415 - cuda imports backend only

            if not is_available():
                warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available."
                              "  Disabling.", UserWarning, stacklevel=2)
                enabled = False
        self._enabled = bool(enabled)
        if self._enabled:
            if not growth_factor > 1.0:
                raise ValueError(f"The growth factor must be > 1.0, got {growth_factor}")
            if not backoff_factor < 1.0:
                raise ValueError(f"The backoff factor must be < 1.0, got {backoff_factor}")
        self._scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._per_optimizer = {}

    # --- the three calls of a training step ---------------------------------------------
    def scale(self, outputs):
        """``outputs * S`` (a tensor, or tensors in nested lists/tuples); unchanged if disabled."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._scale
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def unscale_(self, optimizer):
        """Divide the gradients of ``optimizer``'s parameters by S, in place, and note inf/NaN.

        Call it before gradient clipping so that the clip threshold applies to the true
        gradients; ``step`` then does not unscale again.
        """
        if not self._enabled:
            return
        stage = self._state(optimizer)
        if stage["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since "
                               "the last update().")
        if stage["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = 1.0 / self._scale
        found_inf = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad._data
                if g.dtype == np.float16:
                    raise ValueError("Attempting to unscale FP16 gradients.")
                found_inf = found_inf or not bool(np.isfinite(g).all())
                g *= g.dtype.type(inv_scale)
                p.grad._vc[0] += 1
        stage["found_inf"] = found_inf
        stage["stage"] = _UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """Unscale (unless ``unscale_`` ran) and call ``optimizer.step()`` unless a gradient is inf/NaN.

        Returns what ``optimizer.step`` returned, or None when the step was skipped.
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        stage = self._state(optimizer)
        if stage["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if stage["stage"] == _READY:
            self.unscale_(optimizer)
        result = None if stage["found_inf"] else optimizer.step(*args, **kwargs)
        stage["stage"] = _STEPPED
        return result

    def update(self, new_scale=None):
        """Grow or back off the scale from this iteration's inf/NaN checks (or set ``new_scale``)."""
        if not self._enabled:
            return
        if new_scale is not None:
            if isinstance(new_scale, Tensor):
                if new_scale.numel() != 1 or new_scale.requires_grad:
                    raise ValueError("new_scale should be a float or a 1-element tensor with "
                                     "requires_grad=False")
                new_scale = new_scale.item()
            self._scale = float(new_scale)
        else:
            if not self._per_optimizer:
                raise RuntimeError("No inf checks were recorded prior to update(): call "
                                   "scaler.step(optimizer) first.")
            if any(s["found_inf"] for s in self._per_optimizer.values()):
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale *= self._growth_factor
                    self._growth_tracker = 0
            # torch keeps S as a float32 tensor: round the same way
            self._scale = float(np.float32(self._scale))
        self._per_optimizer = {}

    def _state(self, optimizer):
        # transient bookkeeping for this iteration only (cleared by update), never saved
        return self._per_optimizer.setdefault(id(optimizer), {"stage": _READY, "found_inf": False})

    # --- accessors and checkpoints -------------------------------------------------------
    def get_scale(self):
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = int(new_interval)

    def is_enabled(self):
        return self._enabled

    def state_dict(self):
        """The scale and growth settings (empty when disabled, as in torch)."""
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])
