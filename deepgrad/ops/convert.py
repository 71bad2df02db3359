"""Dtype casts, device moves and copies: each passes the gradient straight back."""
from ..autograd.function import ArrayFunction
from ..backend import move_array


class Cast(ArrayFunction):
    """y = x as another dtype; dx = dy cast back to x's dtype."""
    saves_inputs = False

    def forward(self, a, np_dtype):
        self.src = a.dtype
        return a.astype(np_dtype)

    def backward(self, g):
        return cast(g, self.src)


class ToDevice(ArrayFunction):
    saves_inputs = False

    def forward(self, a, target):
        return move_array(a, target)

    def backward(self, g):
        return to_device(g, self.inputs[0].device)

    @classmethod
    def apply(cls, a, target):
        # forward's output lives on another device: wrap it there, not on a's
        out = super().apply(a, target=target)
        out._device = target
        return out


class Clone(ArrayFunction):
    """y = copy of x (own memory); dy flows to x unchanged.

    ``order="K"`` keeps x's memory layout (torch's clone keeps a transposed tensor
    transposed); ``order="C"`` makes a row-major copy (``contiguous()``).
    """
    saves_inputs = False

    def forward(self, a, order="K"):
        return a.copy(order=order)

    def backward(self, g):
        return g


def cast(t, np_dtype):
    if t._data.dtype == np_dtype:
        return t
    return Cast.apply(t, np_dtype=np_dtype)


def to_device(t, target):
    return ToDevice.apply(t, target)


def clone(t):
    return Clone.apply(t)


def make_contiguous(t):
    return Clone.apply(t, order="C")
