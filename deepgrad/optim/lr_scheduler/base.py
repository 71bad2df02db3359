"""The LRScheduler base class and the helpers the schedules share."""
import copy
import warnings

from ..optimizer import Optimizer


def _format_param(name, optimizer, value):
    """One value per param group: a list/tuple of the right length, or a scalar repeated."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(value)} values, param_groups has "
                             f"{len(optimizer.param_groups)}.")
        return list(value)
    return [value] * len(optimizer.param_groups)


def _check_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


class LRScheduler:
    """Base class of the schedules.

    A schedule is a sequence ``lr_0, lr_1, ...`` indexed by ``last_epoch``. Creating a
    scheduler records each group's starting rate as ``group["initial_lr"]`` (the
    ``base_lrs``) and applies ``lr_0`` (``last_epoch`` becomes 0); each ``step()``
    increments ``last_epoch`` and writes the next rate into ``group["lr"]``.

    Most schedules are written, as torch's, *recursively*: the new rate is computed
    from the current ``group["lr"]`` (multiplied by ``gamma`` every ``step_size``
    epochs, ...), so that several schedulers can be chained on one optimiser.

    Args:
        optimizer (Optimizer): the wrapped optimiser.
        last_epoch (int): index of the last epoch (default -1: start a new schedule;
            to resume, the groups must already hold ``initial_lr``).

    Subclasses implement ``get_lr()``; ``self._is_initial`` is True during the step
    made by the constructor.
    """

    _unsaved = ("optimizer",)  # attributes state_dict() leaves out

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] "
                                   "when resuming scheduler with last_epoch >= 0: load the "
                                   "optimizer's state before creating the scheduler")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._is_initial = False
        self._initial_step()

    def _initial_step(self):
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        """The learning rates for epoch ``last_epoch`` (one per param group)."""
        raise NotImplementedError

    def get_last_lr(self):
        """The learning rates the last ``step()`` set (one per param group)."""
        return self._last_lr

    def step(self, epoch=None):
        """Advance one epoch (call after ``optimizer.step()``).

        ``epoch`` (deprecated in torch) jumps to that epoch, using the schedule's closed
        form where it has one.
        """
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn("lr_scheduler.step() was called before the first optimizer.step(): "
                          "call optimizer.step() first, or the schedule's first learning rate "
                          "is never used", UserWarning, stacklevel=2)
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _group_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        """Everything but the optimiser (which is saved on its own)."""
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k not in self._unsaved}

    def load_state_dict(self, state_dict):
        self.__dict__.update(copy.deepcopy(state_dict))
