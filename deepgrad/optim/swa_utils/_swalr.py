"""``SWALR``: anneal the learning rate to a constant SWA rate."""
import math

from ..lr_scheduler.base import LRScheduler, _check_optimizer, _format_param


class SWALR(LRScheduler):
    r"""Anneal each param group's learning rate from its current value to ``swa_lr`` over
    ``anneal_epochs`` epochs, then hold it there (the constant rate under which SWA
    collects its snapshots).

    With ``lr_0`` the group's rate when annealing starts, after ``k`` steps

    .. math::
        t = \min(1, k / \max(1, E)), \qquad
        \mathrm{lr}_k = \alpha(t)\,\mathrm{swa\_lr} + (1 - \alpha(t))\,\mathrm{lr}_0,

    where :math:`\alpha(t) = (1 - \cos(\pi t)) / 2` (``"cos"``) or :math:`\alpha(t) = t`
    (``"linear"``). As torch, the update is *recursive*: ``lr_0`` is recovered at each step
    from the current ``group["lr"]`` (inverting the previous step's interpolation), so the
    annealing starts from whatever rate another scheduler left in the group. With
    ``anneal_epochs=0`` the rate jumps to ``swa_lr`` at construction.

    Args:
        optimizer (Optimizer): the wrapped optimiser.
        swa_lr (float or list): the final rate, for all groups or one per group (stored
            as ``group["swa_lr"]``).
        anneal_epochs (int): number of annealing epochs E, >= 0 (default 10).
        anneal_strategy (str): ``"cos"`` (default) or ``"linear"``.
        last_epoch (int): index of the last epoch (default -1).

    Example (switch from a cosine schedule to SWA at epoch 160)::

        scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=300)
        swa_scheduler = SWALR(optimizer, swa_lr=0.05, anneal_epochs=5,
                              anneal_strategy="linear")
        for epoch in range(300):
            train_one_epoch(model, optimizer)
            if epoch > 160:
                swa_model.update_parameters(model)
                swa_scheduler.step()
            else:
                scheduler.step()

    Reference: Izmailov et al. (2018), "Averaging Weights Leads to Wider Optima and Better
    Generalization", UAI (arXiv:1803.05407).
    """

    _unsaved = ("optimizer", "anneal_func")

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1):
        _check_optimizer(optimizer)
        for value, group in zip(_format_param("swa_lr", optimizer, swa_lr),
                                optimizer.param_groups, strict=True):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        """The rate ``lr_0`` that interpolation weight ``alpha`` turned into ``lr``."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else \
            self._linear_anneal

    def _progress(self, step):
        return max(0, min(1, step / max(1, self.anneal_epochs)))

    def get_lr(self):
        """The rates of the step being taken: each group's ``lr_0`` recovered from its
        current rate, then moved towards ``swa_lr`` by the annealing function."""
        step = self._step_count - 1  # 0 in the constructor's step
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(self._progress(step - 1))
        groups = self.optimizer.param_groups
        starts = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self.anneal_func(self._progress(step))
        return [g["swa_lr"] * alpha + lr * (1 - alpha)
                for g, lr in zip(groups, starts, strict=True)]

    def state_dict(self):
        """The scheduler's attributes, without the optimiser and the annealing function
        (rebuilt from the saved strategy on load)."""
        return super().state_dict()

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self._set_anneal_func(self._anneal_strategy)
