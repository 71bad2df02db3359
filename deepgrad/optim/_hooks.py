"""Hooks on optimisers, as in torch.optim: code that runs around every ``step()`` and
around saving and loading the state.

* ``opt.register_step_pre_hook(hook)``: ``hook(optimizer, args, kwargs)`` before each
  step; it may return ``(new_args, new_kwargs)`` to change the call. As in torch,
  ``args`` starts with the optimiser itself.
* ``opt.register_step_post_hook(hook)``: ``hook(optimizer, args, kwargs)`` after it.
* ``register_optimizer_step_pre_hook`` / ``register_optimizer_step_post_hook``
  (module functions): the same for every optimiser; global pre-hooks run before an
  optimiser's own, global post-hooks after.
* ``register_state_dict_pre_hook(hook)``: ``hook(optimizer)`` before ``state_dict()``;
  ``register_state_dict_post_hook(hook)``: ``hook(optimizer, state_dict)``, which may
  return a replacement; ``register_load_state_dict_pre_hook(hook)``:
  ``hook(optimizer, state_dict)`` before loading, may return a replacement;
  ``register_load_state_dict_post_hook(hook)``: ``hook(optimizer)`` after.

Each ``register_*`` returns a ``RemovableHandle``; ``prepend=True`` puts a hook first.
Every class that defines ``step`` gets the hooks (``Optimizer.__init_subclass__``
wraps it), so a custom optimiser has them too; a step calling ``super().step()``
runs them once.
"""
import functools
from collections import OrderedDict

from ..utils.hooks import RemovableHandle

_global_step_pre_hooks = OrderedDict()
_global_step_post_hooks = OrderedDict()


def _add(table, hook, prepend=False):
    if not callable(hook):
        raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
    handle = RemovableHandle(table)
    table[handle.id] = hook
    if prepend:
        table.move_to_end(handle.id, last=False)
    return handle


def register_optimizer_step_pre_hook(hook):
    """Run ``hook(optimizer, args, kwargs)`` before the step of every optimiser."""
    return _add(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """Run ``hook(optimizer, args, kwargs)`` after the step of every optimiser."""
    return _add(_global_step_post_hooks, hook)


def with_step_hooks(step):
    """Wrap a ``step`` method so that the step hooks run around it (once, however
    many wrapped ``step`` methods call each other through ``super()``)."""
    if getattr(step, "_runs_step_hooks", False):
        return step

    @functools.wraps(step)
    def hooked_step(*args, **kwargs):
        self = args[0]
        if self._stepping:  # an outer step (a subclass's) runs the hooks
            return step(*args, **kwargs)
        if _global_step_pre_hooks or self._step_pre_hooks:  # (the tuple only when needed)
            args, kwargs = _run_pre_hooks(self, args, kwargs)
        self._stepping = True
        try:
            out = step(*args, **kwargs)
        finally:
            self._stepping = False
        self._opt_called = True  # lets a learning-rate scheduler check the call order
        if self._step_post_hooks or _global_step_post_hooks:
            for hook in (*self._step_post_hooks.values(), *_global_step_post_hooks.values()):
                hook(self, args, kwargs)
        return out

    hooked_step._runs_step_hooks = True
    return hooked_step


def _run_pre_hooks(optimizer, args, kwargs):
    """Run the global then the optimiser's own step pre-hooks; return the (args, kwargs)
    they leave for the step."""
    for hook in (*_global_step_pre_hooks.values(), *optimizer._step_pre_hooks.values()):
        result = hook(optimizer, args, kwargs)
        if result is not None:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise RuntimeError("an optimizer step pre-hook must return None or a "
                                   f"tuple (new_args, new_kwargs), but returned {result!r}")
            args, kwargs = result
    return args, kwargs


class OptimizerHooks:
    """The hook tables and ``register_*`` methods of ``Optimizer``."""

    def _init_hooks(self):
        self._step_pre_hooks = OrderedDict()
        self._step_post_hooks = OrderedDict()
        self._state_dict_pre_hooks = OrderedDict()
        self._state_dict_post_hooks = OrderedDict()
        self._load_state_dict_pre_hooks = OrderedDict()
        self._load_state_dict_post_hooks = OrderedDict()
        self._stepping = False

    def register_step_pre_hook(self, hook):
        """Run ``hook(optimizer, args, kwargs)`` before each step; it may return
        ``(new_args, new_kwargs)``."""
        return _add(self._step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """Run ``hook(optimizer, args, kwargs)`` after each step."""
        return _add(self._step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """Run ``hook(optimizer)`` before ``state_dict()`` builds the state."""
        return _add(self._state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """Run ``hook(optimizer, state_dict)`` on the built state; a returned dict replaces it."""
        return _add(self._state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """Run ``hook(optimizer, state_dict)`` before loading; a returned dict is loaded instead."""
        return _add(self._load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """Run ``hook(optimizer)`` after ``load_state_dict()`` has loaded the state."""
        return _add(self._load_state_dict_post_hooks, hook, prepend)

    def _state_dict_with_hooks(self, build):
        for hook in self._state_dict_pre_hooks.values():
            hook(self)
        state_dict = build()
        for hook in self._state_dict_post_hooks.values():
            replaced = hook(self, state_dict)
            if replaced is not None:
                state_dict = replaced
        return state_dict

    def _load_state_dict_with_hooks(self, state_dict, load):
        for hook in self._load_state_dict_pre_hooks.values():
            replaced = hook(self, state_dict)
            if replaced is not None:
                state_dict = replaced
        load(state_dict)
        for hook in self._load_state_dict_post_hooks.values():
            hook(self)
