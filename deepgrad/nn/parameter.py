"""``Parameter``: a Tensor that a Module registers as one of its learnable weights.

Assigning a Parameter to a Module attribute (``self.weight = Parameter(...)``)
adds it to ``module.parameters()``, which is what an optimiser updates. Apart
from that it is an ordinary leaf Tensor with ``requires_grad=True`` by default.

Example::

    w = nn.Parameter(deepgrad.randn(3, 4))
    w.requires_grad     # True
"""
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor that is a module parameter.

    Args:
        data (Tensor, optional): the initial values (shared, not copied). Default: an
            empty tensor.
        requires_grad (bool): whether the optimiser should train it. Default: True.
    """

    def __new__(cls, data=None, requires_grad=True):
        return super().__new__(cls)

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            from ..creation import empty  # noqa: PLC0415

            data = empty(0)
        if not isinstance(data, Tensor):
            data = Tensor(data)
        self._init(data._data, data._device)
        self._vc = data._vc  # share storage *and* version counter with ``data``
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        new = Parameter(Tensor._make(self._data.copy(), self._device), self._requires_grad)
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (Tensor._make(self._data, self._device), self._requires_grad))


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)


class Buffer(Tensor):
    """Marks a tensor as a module buffer when assigned (``self.x = nn.Buffer(t)``), as in torch."""

    def __new__(cls, data=None, *, persistent=True):
        return super().__new__(cls)

    def __init__(self, data=None, *, persistent=True):
        if data is None:
            from ..creation import empty  # noqa: PLC0415

            data = empty(0)
        self._init(data._data, data._device)
        self._vc = data._vc
        self.persistent = persistent


def register_empty_parameter(module, name, shape, present=True, dtype=None, device=None):
    """Register ``module.<name>``: an uninitialised Parameter of ``shape`` (the layer's
    ``reset_parameters`` fills it), or None when ``present`` is false (e.g. ``bias=False``),
    so that the attribute exists either way, as in torch."""
    if present:
        from ..creation import empty  # noqa: PLC0415

        module.register_parameter(name, Parameter(empty(shape, dtype=dtype, device=device)))
    else:
        module.register_parameter(name, None)
