"""Names a package loads on first use (PEP 562's module ``__getattr__``).

Every module imported at start-up stays resident (tens of KiB each), and a small training
run's peak memory is mostly its libraries' (``bench/bench_memory.py``), so packages load
the parts most programs never touch only when a program asks for them. ``from pkg import
Name``, ``pkg.Name``, ``dir(pkg)`` and pickling behave as if the name had been imported.
"""
import importlib


def lazy_attributes(package, namespace, modules=(), names=None, listed=()):
    """``(__getattr__, __dir__)`` for ``package`` (its ``__name__``) whose globals are
    ``namespace``: the submodules ``modules`` and ``names`` (name -> submodule defining it)
    load on first access; ``listed`` are further names ``dir()`` shows (``__all__``)."""
    names = dict(names or {})
    shown = set(modules) | set(names) | set(listed)

    def __getattr__(name):
        if name in modules:  # importing a submodule also makes it an attribute here
            return importlib.import_module("." + name, package)
        if name in names:
            value = getattr(importlib.import_module("." + names[name], package), name)
            namespace[name] = value  # once: later lookups find it without __getattr__
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(namespace) | shown)

    return __getattr__, __dir__


def star_names(namespace, *lazy):
    """``__all__`` for a package with lazy names: what a star-import binds without one (the
    public names loaded so far) plus the ``lazy`` names (which the star-import then loads)."""
    names = {name for name in namespace if not name.startswith("_")}
    for group in lazy:
        names.update(group)
    return sorted(names)
