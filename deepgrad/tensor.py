"""The Tensor: an array of numbers that remembers how it was computed.

A Tensor holds a raw array (``_data``: NumPy on the CPU, CuPy on a GPU) plus what
reverse-mode autodiff needs:

* ``requires_grad``: whether gradients should flow to it;
* ``grad_fn``: the graph node (a Function instance) that produced it, or ``None``
  for a *leaf* (a tensor made by the user, such as a parameter);
* ``grad``: after ``backward()``, d(output)/d(this tensor) for leaves;
* ``_vc``: a version counter shared with its views and bumped by every in-place
  change, so that backward can refuse to use a value that was overwritten.

The math lives in ``deepgrad/ops``; the methods here and in ``tensor_methods``
are one-line delegates to it.
"""
import warnings

import numpy as np

from . import dtypes
from .autograd import grad_mode as _grad_mode
from .autograd.engine import run_backward_from as _run_backward_from
from .backend import CPU, device, device_of_array, move_array
from .backend import device as Device  # "device" is also an argument name below
from . import _memory_format as _mf
from ._layout import torch_strides as _torch_strides
from .tensor_methods import TensorMethods
from .tensor_repr import format_tensor


_ONES_0D = {}  # dtype -> 0-d one, copied as the seed of loss.backward()


class Tensor(TensorMethods):
    __slots__ = ("_data", "_device", "_requires_grad", "grad", "grad_fn", "_out_index", "_vc",
                 "__weakref__", "__dict__")

    # rarely set: class-level defaults keep tensor creation cheap
    _hooks = None        # hooks of a leaf, called with its gradient
    _post_hooks = None   # called with the leaf after its .grad is updated
    _retains_grad = False

    # deepgrad ops win over NumPy's when a NumPy array meets a Tensor (a * t)
    __array_priority__ = 1000

    def __init__(self, data, dtype=None, device=None, requires_grad=False):
        from .creation import _to_array  # noqa: PLC0415 - creation imports Tensor

        arr, dev = _to_array(data, dtype, device)
        self._init(arr, dev)
        if requires_grad:
            self.requires_grad_(True)

    def _init(self, arr, dev):
        self._data = arr
        self._device = dev
        self._requires_grad = False
        self.grad = None
        self.grad_fn = None
        self._out_index = 0
        self._vc = [0]

    @classmethod
    def _make(cls, arr, dev=CPU):
        """Wrap a raw array without copying or checks (the hot path of every op)."""
        t = cls.__new__(cls)
        t._data = arr
        t._device = dev
        t._requires_grad = False
        t.grad = None
        t.grad_fn = None
        t._out_index = 0
        t._vc = [0]
        return t

    # --- attributes --------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if self.grad_fn is not None and not value:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you "
                               "want to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        if value and self._data.dtype.kind not in "fc":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, "
                               f"got {self.dtype}")
        self._requires_grad = value

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def data(self):
        """This tensor's values as a new leaf that shares memory and records nothing."""
        return self.detach()

    @data.setter
    def data(self, value):
        arr = value._data if isinstance(value, Tensor) else np.asarray(value)
        self._data = arr
        self._device = device_of_array(arr)

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    def nelement(self):
        return int(self._data.size)

    def element_size(self):
        return self._data.itemsize

    @property
    def dtype(self):
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        return self._device

    @property
    def is_cuda(self):
        return self._device.type == "cuda"

    # torch's other accelerator flags, read by device-agnostic programs (dcgan checks
    # `input.is_cuda or input.is_xpu`); deepgrad has no XPU or MPS devices
    @property
    def is_xpu(self):
        return self._device.type == "xpu"

    @property
    def is_mps(self):
        return self._device.type == "mps"

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    @property
    def _version(self):
        return self._vc[0]

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __bool__(self):
        if self._data.size != 1:
            amount = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {amount} is ambiguous")
        return bool(self.item())   # item(): an explicit device-to-host copy for CUDA tensors

    def __float__(self):
        return float(self._python_scalar())

    def __int__(self):
        return int(self._python_scalar())

    def _python_scalar(self):
        """The one value of a one-element tensor, for ``int()``/``float()`` (torch's errors)."""
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        if self._requires_grad and _grad_mode.is_grad_enabled():  # torch: not under no_grad
            warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to "
                          "unexpected behavior.\nConsider using tensor.detach() first.",
                          UserWarning, stacklevel=3)
        return self.item()

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __repr__(self):
        return format_tensor(self)

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (move_array(self._data, CPU), self._requires_grad, str(self._device)))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol")
        new = type(self)._make(self._data.copy(), self._device)
        new._requires_grad = self._requires_grad
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        new.__dict__.update({k: v for k, v in self.__dict__.items()})
        memo[id(self)] = new
        return new

    # --- conversion --------------------------------------------------------
    def numpy(self, force=False):
        """The values as a NumPy array; shares memory for CPU tensors, like PyTorch."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        if self._device.type != "cpu":
            if not force:
                raise TypeError(f"can't convert {self._device} tensor to numpy. "
                                "Use Tensor.cpu() to copy the tensor to host memory first.")
            return self._data.get()
        return self._data

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return self._data.reshape(-1)[0].item()

    def tolist(self):
        return move_array(self._data, CPU).tolist()

    def detach(self):
        """A new leaf sharing this tensor's memory and version counter, outside the graph."""
        t = Tensor._make(self._data, self._device)
        t._vc = self._vc
        return t

    def detach_(self):
        """Cut this tensor out of the graph in place: it becomes a leaf without grad."""
        self.grad_fn = None
        self._out_index = 0
        self._requires_grad = False
        return self

    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False,
           memory_format=None):
        """Move and/or cast: ``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other)``;
        ``memory_format=deepgrad.channels_last`` also stores the result so (a copy unless it
        already is; the default keeps the layout)."""
        dtype, device = parse_to_args(args, dtype, device)
        from .ops.convert import cast, to_device  # noqa: PLC0415

        out = self
        if device is not None and Device(device) != self._device:
            out = to_device(out, Device(device))
        if dtype is not None and dtypes.to_numpy_dtype(dtype) != out._data.dtype:
            out = cast(out, dtypes.to_numpy_dtype(dtype))
        if memory_format is not None and memory_format is not _mf.preserve_format:
            # torch: a copy into the format, unless nothing else changes and the format
            # is the one x's strides suggest (then x itself, even if not exactly so)
            fmt = _mf.check_format(memory_format)
            if out is not self or _mf.suggest_format(self._data) is not fmt:
                from .ops.memory_format import ToFormat  # noqa: PLC0415

                out = ToFormat.apply(out, fmt=fmt)
        if copy and out is self:
            out = self.clone()
        return out

    def cpu(self):
        return self.to(device="cpu")

    def cuda(self, device_index=None):
        return self.to(device="cuda" if device_index is None else f"cuda:{device_index}")

    def type(self, dtype=None):
        if dtype is None:
            return f"deepgrad.{type(self).__name__}[{self.dtype.name}]"
        return self.to(dtype)

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def bool(self):
        return self.to(dtypes.bool_)

    # --- memory layout (torch's: strides in elements, dims of size 1 do not count) ----
    def stride(self, dim=None):
        """Steps in elements between neighbours along each dim: a tuple, or one int for ``dim``.

        A row-major (C-contiguous) (2, 3, 4) tensor has strides (12, 4, 1); its transpose
        ``t.transpose(0, 2)`` shares the memory and has (1, 4, 12); an expanded dim has 0.
        A dim of size 1 is never stepped along; its stride follows torch's conventions
        (see deepgrad/_layout.py).
        """
        strides = _torch_strides(self._data)  # NumPy's, with torch's choice for size-1 dims
        if dim is None:
            return strides
        if self._data.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return strides[_wrap_dim(dim, self._data.ndim)]

    def storage_offset(self):
        """Index (in elements) of this tensor's first element in the memory it shares.

        The memory block is the base array that views (slices, transposes) were made from:
        ``x[1:]`` of a fresh (3, 4) tensor starts at offset 4.
        """
        root = self._data
        while root.base is not None and isinstance(root.base, type(self._data)):
            root = root.base
        if root is self._data:
            return 0
        return (_address(self._data) - _address(root)) // self._data.itemsize

    def is_contiguous(self, memory_format=None):
        """Row-major without gaps; as in torch (and NumPy), dims of size 1 may have any stride
        and an empty tensor is contiguous. ``memory_format=deepgrad.channels_last`` asks
        instead whether a 4-D tensor is stored as (N, H, W, C) (deepgrad/_memory_format.py)."""
        if memory_format is None or memory_format is _mf.contiguous_format:
            return bool(self._data.flags.c_contiguous)
        return _mf.is_in_format(self._data, _check_layout_format(memory_format, "is_contiguous"))

    def contiguous(self, memory_format=None):
        """This tensor if it is contiguous (in ``memory_format``, default row-major), else a
        copy stored so (recorded, like clone)."""
        if memory_format is None or memory_format is _mf.contiguous_format:
            if self._data.flags.c_contiguous:
                return self
            from .ops.convert import make_contiguous  # noqa: PLC0415

            return make_contiguous(self)
        from .ops.memory_format import to_format  # noqa: PLC0415

        return to_format(self, _check_layout_format(memory_format, "contiguous"))

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        return Tensor(data, dtype=dtype or self.dtype, device=device or self._device,
                      requires_grad=requires_grad)

    # --- autograd API ---------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad."""
        if (gradient is None and inputs is None and not create_graph and self._requires_grad
                and self._data.size == 1 and self.grad_fn is not None):
            # the common case, kept short: loss.backward()
            arr = self._data
            if type(arr) is np.ndarray:  # one element: a copy of a kept 0-d one (cheapest)
                one = _ONES_0D.get(arr.dtype)
                if one is None:
                    one = _ONES_0D[arr.dtype] = np.array(1, dtype=arr.dtype)
                ones = one.copy()  # the seed may become a .grad: each backward its own
                if arr.ndim:
                    ones = ones.reshape(arr.shape)
            else:
                ones = np.ones_like(arr)
            _run_backward_from(self, ones, bool(retain_graph))
            return
        from .autograd import backward  # noqa: PLC0415

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self.grad_fn._tensor_hooks is None:
                self.grad_fn._tensor_hooks = {}
            hooks = self.grad_fn._tensor_hooks.setdefault(self._out_index, [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self.grad_fn is None or self._retains_grad:
            return
        import weakref  # noqa: PLC0415

        ref = weakref.ref(self)

        def keep(grad):
            t = ref()
            if t is not None:
                g = grad.detach()
                t.grad = g if t.grad is None else Tensor._make(t.grad._data + g._data, g._device)
        keep.retains_grad = True
        self._retains_grad = True
        if self.grad_fn._tensor_hooks is None:
            self.grad_fn._tensor_hooks = {}
        self.grad_fn._tensor_hooks.setdefault(self._out_index, []).append(keep)

    @property
    def retains_grad(self):
        return self._retains_grad

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` each time a gradient has been added into this leaf's ``.grad``
        (PyTorch's name). Unlike PyTorch, which sums a leaf's incoming gradients first, a
        leaf used twice in a graph sees the hook twice per backward."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(hook)
        return _RemovableHandle(self._post_hooks, hook)


def _check_layout_format(fmt, what):
    if fmt is _mf.preserve_format:
        raise RuntimeError(f"preserve memory format is unsupported by the {what} operator")
    return _mf.check_format(fmt)


class Size(tuple):
    """The shape of a tensor: a tuple, printed like PyTorch's ``torch.Size``."""

    def __repr__(self):
        return f"deepgrad.Size({list(self)})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


class _RemovableHandle:
    def __init__(self, hooks, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self):
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


def _address(arr):
    """The address of an array's first element (NumPy or CuPy)."""
    if isinstance(arr, np.ndarray):
        return arr.__array_interface__["data"][0]
    return arr.data.ptr


def _wrap_dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


def parse_to_args(args, dtype=None, device=None):
    """(dtype, device) from ``to``'s positional forms: a dtype, a device, or a tensor."""
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, (dtypes.dtype, type, np.dtype)):
            dtype = a
        elif isinstance(a, (str, Device)):
            device = a
        else:
            raise TypeError(f"to() got an unexpected argument {a!r}")
    return dtype, device


def _rebuild(arr, requires_grad, dev):
    from . import serialization  # noqa: PLC0415 - only while unpickling

    target = serialization._load_device or device(dev)
    t = Tensor._make(move_array(arr, target), target)
    t._requires_grad = requires_grad
    return t


def is_tensor(obj):
    return isinstance(obj, Tensor)


__all__ = ["Tensor", "Size", "is_tensor"]
