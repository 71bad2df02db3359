"""The Optimizer base class: parameter groups, per-parameter state, saving and resuming.

An optimiser owns a list of *parameter groups*. Each group is a dict holding the
tensors to update (``"params"``) and that group's hyperparameters (``"lr"``, ...);
options not given for a group fall back to the constructor's ``defaults``. So one
optimiser can train a backbone with a small learning rate and a head with a large one::

    opt = deepgrad.optim.SGD([{"params": backbone}, {"params": head, "lr": 1e-2}],
                             lr=1e-3, momentum=0.9)

``optimizer.state[p]`` is a dict of what the update rule remembers for parameter
``p`` between steps (a step count, running averages of the gradient, ...), stored as
deepgrad Tensors. ``state_dict()`` replaces each parameter by its position in the
param groups (0, 1, 2, ... in group order), so a saved state can be loaded into a
freshly built optimiser over freshly built parameters and training resumes exactly
where it stopped.

Speed: each rule is written as an in-place *kernel* on raw arrays (``p._data``,
``p.grad._data``, the state's arrays) and as a per-element loop that numba compiles
when installed (``_fused.py``); ``_apply`` hands both to an ``UpdateRunner``
(``_updates.py``), which runs the loop when it can, else the kernel, on large
parameters in cache-sized blocks.
"""
import copy
from collections import defaultdict

import numpy as np

from ..autograd import grad_mode
from ..dtypes import default_float_numpy
from ..tensor import Tensor
from ._fused import element_function
from ._hooks import (OptimizerHooks, register_optimizer_step_post_hook,  # noqa: F401 - as torch
                     register_optimizer_step_pre_hook, with_step_hooks)
from ._updates import UpdateRunner


class _RequiredParameter:
    """Marks a hyperparameter that has no default (as ``torch.optim.optimizer.required``)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _invalid(ok, what, value):
    """Raise torch's ``ValueError("Invalid <what>: <value>")`` unless ``ok``."""
    if not ok:
        raise ValueError(f"Invalid {what}: {value}")


def _check_betas(betas):
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
        raise ValueError(f"Invalid betas: expected a pair (beta1, beta2), got {betas!r}")
    _invalid(0.0 <= betas[0] < 1.0, "beta parameter at index 0", betas[0])
    _invalid(0.0 <= betas[1] < 1.0, "beta parameter at index 1", betas[1])


def _copy_value(v):
    """A deep copy of a state value: Tensors get their own array, containers are rebuilt."""
    if isinstance(v, Tensor):
        return Tensor._make(v._data.copy(), v._device)
    if isinstance(v, dict):
        return {k: _copy_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_copy_value(x) for x in v)
    return copy.deepcopy(v)


def _check_implementation_flags(foreach=None, fused=None, capturable=False,
                                differentiable=False):
    """Accept torch's switches between implementations of a rule, so torch code runs as is.

    ``foreach`` and ``fused`` choose how torch loops over the tensors; deepgrad always
    takes its own fastest way (the compiled loops when numba is installed), with the
    same numbers, so they change nothing here. ``capturable`` (CUDA-graph capture) and
    ``differentiable`` (autograd through the update) are not implemented: True raises.
    """
    for name, value in (("foreach", foreach), ("fused", fused)):
        if value not in (None, True, False):
            raise ValueError(f"{name} must be None, True or False, got {value!r}")
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if capturable:
        raise NotImplementedError("capturable=True (CUDA-graph capture of the step) is not "
                                  "supported by deepgrad")
    if differentiable:
        raise NotImplementedError("differentiable=True (autograd through optimizer.step()) is "
                                  "not supported by deepgrad")


def _check_adam_options(o):
    """Validate lr, eps, betas and weight_decay, shared by the Adam family."""
    _invalid(0.0 <= o["lr"], "learning rate", o["lr"])
    _invalid(0.0 <= o["eps"], "epsilon value", o["eps"])
    _check_betas(o["betas"])
    _invalid(0.0 <= o["weight_decay"], "weight_decay value", o["weight_decay"])


def _scalar_state(value):
    """A 0-d state tensor such as ``state["step"]``, in the default float dtype (as torch)."""
    return Tensor._make(np.array(value, dtype=default_float_numpy()))


class Optimizer(OptimizerHooks):
    """Base class of all optimisers.

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs (``named_parameters()``:
            each group then lists its ``"param_names"``), or of dicts defining parameter
            groups (``{"params": [...], "lr": ...}``).
        defaults (dict): the default hyperparameters of every group.

    Every optimiser takes torch's arguments in torch's order, including its
    implementation switches: ``foreach`` and ``fused`` are accepted and change nothing
    (deepgrad picks its fastest way itself), ``capturable=True`` and
    ``differentiable=True`` raise NotImplementedError.

    Subclasses implement ``_update_group(group)`` (or all of ``step``) and ``_validate(options)``.
    Hooks can run around each step and around saving and loading (``_hooks.py``).
    """

    # LBFGS keeps flat vectors, not per-parameter arrays, in its state
    _state_matches_params = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:  # a subclass's own step runs the step hooks too
            cls.step = with_step_hooks(cls.__dict__["step"])

    def __init__(self, params, defaults):
        self._init_hooks()
        self._validate(defaults)
        self.defaults = defaults
        self.state = defaultdict(dict)  # parameter -> its state (keyed by the tensor itself)
        self.param_groups = []
        self._runner = UpdateRunner()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def _validate(self, options):
        """Raise ValueError for an invalid hyperparameter (overridden by each optimiser)."""

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {group[k]}" for k in sorted(group) if k != "params")
        lines.append(")")
        return "\n".join(lines)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._runner = UpdateRunner()
        self._init_hooks()  # hooks are not saved, as in torch

    # --- groups -------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group of parameters with its own options (e.g. layers unfrozen later)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError("param_group must have a 'params' entry")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        group["params"] = list(params)
        named = [p for p in group["params"] if isinstance(p, tuple)]
        if named:  # (name, tensor) pairs, as model.named_parameters() gives
            if len(named) != len(group["params"]) or any(len(p) != 2 for p in named):
                raise ValueError("all optimizer params should be with/without names: give only "
                                 "tensors or only (name, tensor) pairs")
            group["param_names"] = [name for name, _ in named]
            group["params"] = [p for _, p in named]
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        self._validate(group)
        ids = {id(p) for p in group["params"]}  # identity sets only; state is keyed by tensor
        if len(ids) != len(group["params"]):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        for other in self.param_groups:
            if ("param_names" in group) != ("param_names" in other):
                raise ValueError("all optimizer param groups should be with/without names: cannot "
                                 "add a group " + ("with" if "param_names" in group else "without")
                                 + " names to this optimizer")
            if any(id(p) in ids for p in other["params"]):
                raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # --- gradients ----------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Forget the gradients: ``p.grad = None`` (default) or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g._requires_grad = False
                    if g._data.flags.writeable:
                        g._data.fill(0)
                    else:  # a read-only (e.g. broadcast) gradient: give it its own zeros
                        g._data = np.zeros_like(g._data)
                    g._vc[0] += 1

    @with_step_hooks
    def step(self, closure=None):
        """Update the parameters once; ``closure`` re-evaluates the model and returns the loss.

        Each group is handed to ``_update_group``, the rule of the subclass.
        """
        loss = self._evaluate(closure)
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def _update_group(self, group):
        """Apply the update rule to the parameters of one group (overridden by each optimiser)."""
        raise NotImplementedError

    @staticmethod
    def _evaluate(closure):
        """Call the closure (with gradients enabled) and return its loss, or None."""
        if closure is None:
            return None
        with grad_mode.enable_grad():
            return closure()

    @staticmethod
    def _advance(state):
        """Count one more step in ``state["step"]``; return the new count as a float."""
        state["step"]._data += 1.0
        return float(state["step"]._data)

    def _state_of(self, p, *buffers, **scalars):
        """``self.state[p]``, created on first use with a step count, the given 0-d
        ``scalars`` (name=initial value) and zeroed ``buffers`` shaped as ``p``."""
        state = self.state.setdefault(p, {})
        if not state:
            state["step"] = _scalar_state(0.0)
            for name, value in scalars.items():
                state[name] = _scalar_state(value)
            for name in buffers:
                state[name] = Tensor._make(np.zeros_like(p._data), p._device)
        return state

    # --- raw in-place kernels ------------------------------------------------
    def _apply(self, kernel, arrays, nbuf, loop=None, **scalars):
        """Run ``kernel(*arrays, *scratch, **scalars)``, updating ``arrays`` in place.

        ``arrays``: the parameter's array first, then its gradient and state arrays of
        the same shape (entries may be None); ``nbuf`` scratch arrays are lent. ``loop``:
        the same rule as a fused per-element loop (``_fused.py``), used when compiled.
        """
        self._runner.run(kernel, arrays, nbuf, scalars, loop)

    # --- saving and resuming -------------------------------------------------
    def state_dict(self):
        """The optimiser's state as a dict ``{"state": {index: {...}}, "param_groups": [...]}``.

        Parameters are replaced by their position in the param groups; every array is
        copied, so later steps do not change a saved state.
        """
        return self._state_dict_with_hooks(self._pack_state)

    def _pack_state(self):
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: _copy_value(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index[id(p)] = len(index)
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:  # dict lookup by identity (Tensor hashes by id)
                    state[index[id(p)]] = _copy_value(self.state[p])
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a state saved by ``state_dict()``; training then continues bit for bit.

        The saved groups must match this optimiser's groups in number and size; on any
        error nothing is changed.
        """
        self._load_state_dict_with_hooks(state_dict, self._unpack_state)

    def _unpack_state(self, state_dict):
        if not isinstance(state_dict, dict) or "state" not in state_dict \
                or "param_groups" not in state_dict:
            raise ValueError("optimizer state_dict must be a dict with 'state' and "
                             "'param_groups' entries")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups: "
                             f"{len(saved_groups)} saved, {len(self.param_groups)} in the "
                             "optimizer")
        for i, (g, s) in enumerate(zip(self.param_groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match "
                                 f"the size of optimizer's group: group {i} has "
                                 f"{len(s['params'])} saved parameters, {len(g['params'])} here")
        by_index = {}
        for g, s in zip(self.param_groups, saved_groups):
            by_index.update(zip(s["params"], g["params"]))
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k not in by_index:
                raise ValueError(f"loaded state dict has state for parameter {k}, which is in "
                                 "none of its param_groups")
            p = by_index[k]
            state[p] = {name: self._cast(p, name, x) for name, x in v.items()}
        new_groups = []
        for g, s in zip(self.param_groups, saved_groups):
            ng = {k: _copy_value(v) for k, v in s.items() if k != "params"}
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in ng:  # as torch: saved names win
                ng["param_names"] = g["param_names"]
            new_groups.append(ng)
        self.state = state
        self.param_groups = new_groups

    def _cast(self, p, name, value):
        """A copy of a saved state value, in the parameter's dtype (``step`` keeps its own)."""
        if isinstance(value, (list, tuple)):
            return type(value)(self._cast(p, name, x) for x in value)
        if not isinstance(value, Tensor):
            return copy.deepcopy(value)
        arr = value._data
        if self._state_matches_params and arr.ndim > 0 and arr.shape != p._data.shape:
            raise ValueError(f"loaded state {name!r} has shape {tuple(arr.shape)}, but its "
                             f"parameter has shape {tuple(p._data.shape)}")
        if name != "step" and arr.dtype.kind == "f" and p._data.dtype.kind == "f":
            arr = arr.astype(p._data.dtype)  # (a copy)
        else:
            arr = arr.copy()
        out = Tensor._make(arr, value._device)
        return out.to(device=p._device) if p._device != value._device else out


def _effective_grad(p, g, buf, weight_decay, maximize):
    """The gradient the update uses: ``-g`` if maximizing, plus ``weight_decay * p`` (L2).

    Writes into ``buf`` only when it has to; returns the array to read.
    """
    if weight_decay != 0:
        np.multiply(p, weight_decay, out=buf)
        if maximize:
            np.subtract(buf, g, out=buf)
        else:
            np.add(buf, g, out=buf)
        return buf
    if maximize:
        np.negative(g, out=buf)
        return buf
    return g


def _adam_family_scalars(group):
    """The hyperparameters every Adam-like rule reads from its group, as Python scalars."""
    beta1, beta2 = (float(b) for b in group["betas"])
    return dict(lr=float(group["lr"]), beta1=beta1, beta2=beta2, eps=float(group["eps"]),
                weight_decay=float(group["weight_decay"]),
                decoupled=bool(group["decoupled_weight_decay"]),
                maximize=bool(group["maximize"]))


def _adam_family_constants(lr, beta1, beta2, weight_decay, decoupled, maximize):
    """The leading constants of an Adam-like fused loop (``_adam_moments_at``'s), as
    ``_adam_family_grad``, ``_update_mean`` and ``_update_square_mean`` compute them."""
    return (1.0 - lr * weight_decay if decoupled else 1.0,  # decay of the weights (AdamW)
            0.0 if decoupled else weight_decay,             # L2 penalty added to the gradient
            maximize, 1.0 - beta1, beta2, 1.0 - beta2)


def _adam_family_grad(p, g, buf, lr, weight_decay, decoupled, maximize):
    """The gradient of an Adam-like rule. Decoupled decay (AdamW) shrinks the weights
    directly, p <- p (1 - lr wd); coupled decay (L2) adds wd * p to the gradient."""
    if decoupled:
        if weight_decay != 0:
            p *= 1.0 - lr * weight_decay
        return _effective_grad(p, g, buf, 0.0, maximize)
    return _effective_grad(p, g, buf, weight_decay, maximize)


def _update_mean(m, g, beta, tmp):
    """First moment: m <- beta m + (1 - beta) g, computed as m + (1 - beta)(g - m)."""
    np.subtract(g, m, out=tmp)
    tmp *= 1.0 - beta
    m += tmp


def _update_square_mean(v, g, beta, tmp):
    """Second moment: v <- beta v + (1 - beta) g^2."""
    np.square(g, out=tmp)
    tmp *= 1.0 - beta
    v *= beta
    v += tmp


# The same three steps for one element, called by the fused loops (``_fused.py``);
# the float operations and their order are the kernels' above, so the bits agree.
@element_function
def _grad_at(p, g, weight_decay, maximize):
    """``_effective_grad`` at one element: -g if maximizing, plus weight_decay * p."""
    if weight_decay != 0:
        return p * weight_decay - g if maximize else p * weight_decay + g
    return -g if maximize else g


@element_function
def _mean_at(m, g, one_minus_beta):
    """``_update_mean`` at one element: m + (1 - beta)(g - m)."""
    return m + (g - m) * one_minus_beta


@element_function
def _square_mean_at(v, g, beta, one_minus_beta):
    """``_update_square_mean`` at one element: beta v + (1 - beta) g^2."""
    return v * beta + g * g * one_minus_beta


@element_function
def _adam_moments_at(p, g, m, v, decay, weight_decay, maximize, one_minus_beta1, beta2,
                     one_minus_beta2):
    """The start of the Adam-like rules at one element, as their kernels begin: the
    weight after decoupled decay, the gradient used, and the two new moments."""
    p = p * decay
    g = _grad_at(p, g, weight_decay, maximize)
    return (p, g, _mean_at(m, g, one_minus_beta1),
            _square_mean_at(v, g, beta2, one_minus_beta2))
