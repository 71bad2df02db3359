"""Fine-tuning helpers: freeze layers, give layers their own learning rates.

Names are *module-name prefixes* as in ``model.named_modules()`` / ``named_parameters()``:
``"features"`` covers ``features.0.weight``, ``features.3.bias``...; ``"features.0"`` only
the first layer. A prefix matches whole name components (``"fc"`` does not match ``fc2``).
An unknown name raises a ValueError listing the names that exist.

* ``freeze(model, names)`` / ``unfreeze(model, names)`` set ``requires_grad`` (all
  parameters when ``names`` is None). Frozen BatchNorm layers still update their running
  statistics in train mode, as in PyTorch; call ``.eval()`` on them to fix those too.
* ``param_groups(model, {"features": 1e-4, "classifier": 1e-2})`` builds optimizer
  parameter groups with per-layer learning rates (discriminative fine-tuning). A value is
  a learning rate or a dict of group options (``{"lr": 1e-4, "weight_decay": 0}``). Every
  trainable parameter appears exactly once: when prefixes nest, the longest one wins;
  trainable parameters that no prefix matches go into a last group without options, which
  takes the optimizer's defaults. Frozen parameters are left out.

Example::

    freeze(model, "features")
    opt = optim.SGD(param_groups(model, {"classifier": 1e-2}), lr=1e-3, momentum=0.9)
"""


def _names(names):
    if names is None:
        return None
    return [names] if isinstance(names, str) else list(names)


def _covers(prefix, name):
    return prefix == "" or name == prefix or name.startswith(prefix + ".")


def _check_known(model, prefixes, what):
    modules = [n for n, _ in model.named_modules() if n]
    params = [n for n, _ in model.named_parameters()]
    known = set(modules) | set(params)
    unknown = [p for p in prefixes if p not in known]
    if unknown:
        raise ValueError(f"{what}: unknown module name(s) {unknown}; available: "
                         f"{', '.join(modules) or '(no submodules)'}")


def _set_requires_grad(model, names, flag, what):
    prefixes = _names(names)
    if prefixes is not None:
        _check_known(model, prefixes, what)
    changed = []
    for name, p in model.named_parameters():
        if prefixes is None or any(_covers(pre, name) for pre in prefixes):
            p.requires_grad_(flag)
            changed.append(name)
    return changed


def freeze(model, names=None):
    """Stop gradients for the parameters under ``names``; returns their names."""
    return _set_requires_grad(model, names, False, "freeze")


def unfreeze(model, names=None):
    """Train the parameters under ``names`` again; returns their names."""
    return _set_requires_grad(model, names, True, "unfreeze")


def param_groups(model, options):
    """Optimizer parameter groups from ``{prefix: lr or {option: value}}`` (see module doc)."""
    if not isinstance(options, dict):
        raise TypeError(f"param_groups: expected a dict {{prefix: lr}}, got "
                        f"{type(options).__name__}")
    _check_known(model, list(options), "param_groups")
    by_prefix = {prefix: [] for prefix in options}
    rest = []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        matches = [pre for pre in options if _covers(pre, name)]
        if matches:
            by_prefix[max(matches, key=len)].append((name, p))
        else:
            rest.append((name, p))
    groups = []
    for prefix, members in by_prefix.items():
        if not members:
            continue
        opts = options[prefix]
        opts = dict(opts) if isinstance(opts, dict) else {"lr": float(opts)}
        groups.append({"params": [p for _, p in members],
                       "param_names": [n for n, _ in members], **opts})
    if rest:
        groups.append({"params": [p for _, p in rest], "param_names": [n for n, _ in rest]})
    if not groups:
        raise ValueError("param_groups: the model has no trainable parameters")
    return groups
