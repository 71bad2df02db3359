"""Shared by EarlyStopping and ModelCheckpoint: which way is better, and the missing-key warning."""
import warnings


def check_mode(callback_name, mode):
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{callback_name}: mode must be 'auto', 'min' or 'max', got {mode!r}")


def resolve_mode(callback_name, monitor, mode, trainer):
    """"min" or "max" for ``monitor``; ``mode="auto"`` asks the loss / metric its direction."""
    check_mode(callback_name, mode)
    if mode != "auto":
        return mode
    base = monitor[4:] if monitor.startswith("val_") else monitor
    if base == "loss":
        return "min"
    for metric in getattr(trainer, "metrics", ()):
        if metric.name == base:
            return "max" if metric.direction == "up" else "min"
    raise ValueError(f"{callback_name}: cannot tell whether {monitor!r} should go up or down; "
                     f"pass mode='min' or mode='max'")


def improved(mode, current, reference, min_delta):
    """Keras's rule: better by more than ``min_delta`` (min: current + delta < best)."""
    if reference is None:
        return True
    if mode == "min":
        return current + min_delta < reference
    return current - min_delta > reference


def warn_missing_once(callback, what, monitor, logs):
    """Warn (once per callback) that ``monitor`` is not among the logged keys."""
    if getattr(callback, "_warned_missing", False):
        return
    callback._warned_missing = True
    warnings.warn(f"{what} conditioned on metric `{monitor}` which is not available. "
                  f"Available metrics are: {','.join(logs or {})}", RuntimeWarning, stacklevel=3)
