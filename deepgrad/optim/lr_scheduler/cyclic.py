"""Cyclical schedules: CyclicLR and the 1cycle policy (OneCycleLR)."""
import math
import types
from functools import partial

from .base import LRScheduler, _check_optimizer, _format_param


def _set_momentum(group, value, use_beta1):
    if use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


def _momentum_setup(optimizer, base_momentum, max_momentum, last_epoch):
    """Validate and (for a new schedule) store base/max momentum in the groups."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` "
                         "option enabled")
    use_beta1 = "betas" in optimizer.defaults
    base = _format_param("base_momentum", optimizer, base_momentum)
    top = _format_param("max_momentum", optimizer, max_momentum)
    if last_epoch == -1:
        for m, b, group in zip(top, base, optimizer.param_groups):
            _set_momentum(group, m, use_beta1)
            group["max_momentum"] = m
            group["base_momentum"] = b
    return use_beta1, base, top


def _triangular(cycle):
    return 1.0  # constant amplitude


def _triangular2(cycle):
    return 1 / (2.0 ** (cycle - 1))  # amplitude halves each cycle


def _exp_range(gamma, iteration):
    return gamma ** iteration  # amplitude decays every iteration


class CyclicLR(LRScheduler):
    r"""The rate cycles between ``base_lr`` and ``max_lr`` (one ``step()`` per batch).

    A cycle lasts ``step_size_up + step_size_down`` iterations; the rate rises linearly
    for the first part and falls for the second::

        cycle = floor(1 + it / total);  x = 1 + it / total - cycle        (position in [0, 1))
        h = x / ratio            if x <= ratio   (ratio = step_size_up / total)
            (x - 1) / (ratio - 1) otherwise
        lr = base_lr + (max_lr - base_lr) * h * scale

    with ``scale`` = 1 ("triangular"), ``1 / 2^(cycle - 1)`` ("triangular2": the
    amplitude halves each cycle) or ``gamma^it`` ("exp_range"), or ``scale_fn``.
    With ``cycle_momentum`` the momentum (or Adam's beta1) moves the opposite way,
    between ``max_momentum`` and ``base_momentum``.

    Args:
        optimizer: the wrapped optimiser.
        base_lr, max_lr (float or list): bounds of the cycle.
        step_size_up (int): iterations of the rising half (default 2000).
        step_size_down (int): of the falling half (default = step_size_up).
        mode (str): "triangular", "triangular2" or "exp_range" (default "triangular").
        gamma (float): for "exp_range" (default 1.0).
        scale_fn (callable): custom scale, overrides mode; scale_mode "cycle" or "iterations".
        cycle_momentum (bool): default True; base_momentum 0.8, max_momentum 0.9.
        last_epoch (int): default -1.

    Example: ``CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=200)``.

    Reference: Smith (2017), "Cyclical Learning Rates for Training Neural Networks", WACV.
    """

    _unsaved = ("optimizer", "_scale_fn_ref", "_scale_fn_custom")

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None,
                 mode="triangular", gamma=1.0, scale_fn=None, scale_mode="cycle",
                 cycle_momentum=True, base_momentum=0.8, max_momentum=0.9, last_epoch=-1):
        _check_optimizer(optimizer)
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"mode {mode!r} is invalid and scale_fn is None")
        self.optimizer = optimizer
        base_lrs = _format_param("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _format_param("max_lr", optimizer, max_lr)
        step_size_up = float(step_size_up)
        step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1, self.base_momentums, self.max_momentums = _momentum_setup(
                optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self):
        if self._scale_fn_custom is not None:
            return
        if self.mode == "triangular":
            self._scale_fn_ref, self.scale_mode = _triangular, "cycle"
        elif self.mode == "triangular2":
            self._scale_fn_ref, self.scale_mode = _triangular2, "cycle"
        else:
            self._scale_fn_ref, self.scale_mode = partial(_exp_range, self.gamma), "iterations"

    def scale_fn(self, x):
        fn = self._scale_fn_custom if self._scale_fn_custom is not None else self._scale_fn_ref
        return fn(x)

    def get_lr(self):
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (top - base) * scale_factor * scale
               for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, base, top in zip(self.optimizer.param_groups, self.base_momentums,
                                        self.max_momentums):
                _set_momentum(group, top - (top - base) * scale_factor * scale, self.use_beta1)
        return lrs

    def state_dict(self):
        state = super().state_dict()
        fn = self._scale_fn_custom
        state["_scale_fn_custom"] = (fn.__dict__.copy() if fn is not None
                                     and not isinstance(fn, types.FunctionType) else None)
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        fn_state = state.pop("_scale_fn_custom", None)
        fn = self._scale_fn_custom
        super().load_state_dict(state)
        self._scale_fn_custom = fn
        if fn_state is not None:
            fn.__dict__.update(fn_state)
        self._init_scale_fn()


class OneCycleLR(LRScheduler):
    r"""The 1cycle policy: warm up to ``max_lr``, then anneal far below the start.

    Over ``total_steps`` batches (or ``epochs * steps_per_epoch``) the rate goes from
    ``initial_lr = max_lr / div_factor`` up to ``max_lr`` during the first
    ``pct_start`` of the steps, then down to ``min_lr = initial_lr / final_div_factor``,
    following a cosine (``anneal_strategy="cos"``: ``end + (start - end)(1 + cos(pi pct)) / 2``)
    or a line. With ``three_phase`` it first returns to ``initial_lr`` symmetrically
    and only then decays to ``min_lr``. The momentum (or beta1) moves the opposite way
    between ``max_momentum`` and ``base_momentum``.

    Args:
        optimizer: the wrapped optimiser.
        max_lr (float or list): peak rate.
        total_steps (int) or epochs and steps_per_epoch (int): length of the cycle.
        pct_start (float): fraction spent increasing (default 0.3).
        anneal_strategy (str): "cos" or "linear" (default "cos").
        cycle_momentum (bool): default True; base_momentum 0.85, max_momentum 0.95.
        div_factor (float): default 25; final_div_factor (float): default 1e4.
        three_phase (bool): default False.
        last_epoch (int): default -1.

    Example: ``OneCycleLR(opt, max_lr=0.1, epochs=10, steps_per_epoch=len(loader))``.

    Reference: Smith & Topin (2019), "Super-Convergence: Very Fast Training of Neural
    Networks Using Large Learning Rates", arXiv:1708.07120.
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False,
                 last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(f"Expected positive integer steps_per_epoch, but got "
                                 f"{steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        if not isinstance(pct_start, float) or pct_start < 0 or pct_start > 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        n = self.total_steps
        # each phase: (last step, start key, end key, start momentum key, end momentum key)
        if three_phase:
            self._schedule_phases = [
                (float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (float(2 * pct_start * n) - 2, "max_lr", "initial_lr", "base_momentum",
                 "max_momentum"),
                (n - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            self._schedule_phases = [
                (float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (n - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        self._anneal_func_type = anneal_strategy
        max_lrs = _format_param("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for top, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1, _, _ = _momentum_setup(optimizer, base_momentum, max_momentum,
                                                   last_epoch)
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start, end, pct):
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total steps "
                             f"is {self.total_steps}")
        lrs = []
        last = len(self._schedule_phases) - 1
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, (end_step, lr0, lr1, m0, m1) in enumerate(self._schedule_phases):
                if step <= end_step or i == last:
                    pct = (step - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[lr0], group[lr1], pct))
                    if self.cycle_momentum:
                        _set_momentum(group, self._anneal(group[m0], group[m1], pct),
                                      self.use_beta1)
                    break
                start_step = end_step
        return lrs
