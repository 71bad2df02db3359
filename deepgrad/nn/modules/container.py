"""Containers that hold modules or parameters: Sequential, ModuleList, ModuleDict,
ParameterList, ParameterDict; and the trivial shape modules Identity, Flatten, Unflatten.

Holding submodules in a container (rather than a plain Python list) is what
registers them: their parameters then appear in ``model.parameters()`` and in the
``state_dict`` under the container's keys ("layers.0.weight").

Example::

    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    model[0]          # Linear(in_features=4, out_features=8, bias=True)
    model[:2]         # a new Sequential sharing the first two layers
    len(model)        # 3
"""
import operator
from collections import OrderedDict
from itertools import islice

from ...ops.shape import flatten, unflatten
from ..parameter import Parameter
from .module import Module


def _index(idx, n, kind):
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f"index {idx} is out of range for {kind} of length {n}")
    return idx % n


class Sequential(Module):
    """Runs its modules one after another: ``forward(x) = m_n(...m_2(m_1(x)))``.

    Args: modules as positional arguments (named "0", "1", ...), or one
    OrderedDict of {name: module}.
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        i = _index(idx, len(self), "Sequential")
        return next(islice(self._modules.values(), i, None))

    def __setitem__(self, idx, module):
        key = list(self._modules)[_index(idx, len(self), "Sequential")]
        setattr(self, key, module)

    def __delitem__(self, idx):
        if isinstance(idx, slice):
            for key in list(self._modules)[idx]:
                delattr(self, key)
        else:
            delattr(self, list(self._modules)[_index(idx, len(self), "Sequential")])
        # keep the keys 0..n-1 so that indexing and state_dict stay consistent
        self.__dict__["_modules"] = OrderedDict(
            (str(i), m) for i, m in enumerate(self._modules.values()))

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, "
                             f"but {type(other).__name__} is given.")
        return Sequential(*self, *other)

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Index out of range: {index}")
        mods = list(self._modules.values())
        mods.insert(index % (n + 1) if index < 0 else index, module)
        self.__dict__["_modules"] = OrderedDict()
        for i, m in enumerate(mods):
            self.add_module(str(i), m)
        return self

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x


class ModuleList(Module):
    """A list of modules, registered so that their parameters are found (no forward)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(_index(idx, len(self), "ModuleList"))]

    def __setitem__(self, idx, module):
        setattr(self, str(_index(idx, len(self), "ModuleList")), module)

    def __delitem__(self, idx):
        if isinstance(idx, slice):
            for k in list(self._modules)[idx]:
                del self._modules[k]
        else:
            del self._modules[str(_index(idx, len(self), "ModuleList"))]
        self.__dict__["_modules"] = OrderedDict(
            (str(i), m) for i, m in enumerate(self._modules.values()))

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList(list(self) + list(other))

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        mods = list(self._modules.values())
        mods.insert(index, module)
        self.__dict__["_modules"] = OrderedDict()
        self.extend(mods)

    def pop(self, idx=-1):
        m = self[idx]
        del self[idx]
        return m

    def __repr__(self):
        # like torch >= 2.1: consecutive identical reprs are shown once, "(0-2): 3 x Linear(...)"
        if not self._modules:
            return self._get_name() + "()"
        groups = []  # [start, end, repr]
        for i, m in enumerate(self._modules.values()):
            r = repr(m)
            if groups and groups[-1][2] == r:
                groups[-1][1] = i
            else:
                groups.append([i, i, r])
        lines = []
        for start, end, r in groups:
            r = r.replace("\n", "\n  ")
            if start == end:
                lines.append(f"({start}): {r}")
            else:
                lines.append(f"({start}-{end}): {end - start + 1} x {r}")
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class _MemberDict:
    """The mapping API of ModuleDict and ParameterDict over one of the module's
    registries (``_members()``); ``__setitem__`` registers through the module."""

    def __getitem__(self, key):
        return self._members()[key]

    def __delitem__(self, key):
        del self._members()[key]

    def __len__(self):
        return len(self._members())

    def __iter__(self):
        return iter(self._members())

    def __contains__(self, key):
        return key in self._members()

    def clear(self):
        self._members().clear()

    def pop(self, key):
        return self._members().pop(key)

    def keys(self):
        return self._members().keys()

    def items(self):
        return self._members().items()

    def values(self):
        return self._members().values()

    def update(self, entries):
        for key, value in (entries.items() if hasattr(entries, "items") else entries):
            self[key] = value


class ModuleDict(_MemberDict, Module):
    """An ordered dict of modules (keys must be strings), registered as submodules."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def _members(self):
        return self._modules

    def __setitem__(self, key, module):
        self.add_module(key, module)


class ParameterList(Module):
    """A list of Parameters (plain tensors are wrapped), registered as "0", "1", ..."""

    def __init__(self, values=None):
        super().__init__()
        if values is not None:
            self.extend(values)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList(list(self)[idx])
        return self._parameters[str(_index(idx, len(self), "ParameterList"))]

    def __setitem__(self, idx, value):
        self.register_parameter(str(_index(idx, len(self), "ParameterList")), _as_parameter(value))

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def __iadd__(self, values):
        return self.extend(values)

    def append(self, value):
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values):
        for v in values:
            self.append(v)
        return self

    def extra_repr(self):
        return _describe_parameters(enumerate(self))


class ParameterDict(_MemberDict, Module):
    """An ordered dict of Parameters (plain tensors are wrapped)."""

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def _members(self):
        return self._parameters

    def __setitem__(self, key, value):
        self.register_parameter(key, _as_parameter(value))

    def extra_repr(self):
        return _describe_parameters(self.items())


def _as_parameter(value):
    """A plain tensor becomes a Parameter (as torch's ParameterList/Dict do); the rest stays."""
    from ...tensor import Tensor  # noqa: PLC0415

    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        value = Parameter(value)
    return value


def _describe_parameters(pairs):
    """One line per (key, parameter): torch's repr of ParameterList and ParameterDict."""
    return "\n".join(f"({k}): Parameter containing: [{p.dtype} of size "
                     f"{'x'.join(map(str, p.shape))}]" for k, p in pairs)


class Identity(Module):
    """Returns its input unchanged (accepts and ignores any constructor arguments)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Flatten(Module):
    """Flattens dims ``start_dim..end_dim`` into one: (N, C, H, W) -> (N, C*H*W) by default.

    Args: start_dim (int, default 1), end_dim (int, default -1).
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Splits dim ``dim`` into ``unflattened_size``: (N, 12) -> (N, 3, 4) with (3, 4)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        return unflatten(x, self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
