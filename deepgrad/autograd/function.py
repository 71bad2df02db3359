"""Graph nodes: ``Function`` (PyTorch's custom-op API) and ``ArrayFunction`` (built-in ops).

A node of the computation graph is an instance of a Function subclass. It is
created when an op runs with grad mode on and some input requires grad; it
remembers its inputs (the graph's edges) and whatever its ``backward`` needs.
The instance *is* the ``ctx`` object of PyTorch's API.

Two flavours share the engine:

* ``Function``: exactly ``torch.autograd.Function``. ``forward(ctx, *args)``
  receives Tensors and returns Tensor(s); ``backward(ctx, *grads)`` returns one
  gradient per forward argument (``None`` for non-tensors or no gradient).
* ``ArrayFunction``: the fast path of every built-in op. ``forward`` receives the
  raw arrays of its Tensor inputs (keyword attributes pass through) and returns
  a raw array (or a tuple of arrays for several outputs). ``backward`` is written
  with differentiable Tensor ops, so with ``create_graph=True`` the gradient
  gets a graph of its own: grad-of-grad for free. An op on the hot path also
  defines ``backward_arrays(g)``: the same formulas on raw arrays, which a plain
  ``backward()`` (no graph of the gradients wanted) runs instead, without creating
  a Tensor or a node per gradient formula.
"""
import numpy as np

from .. import tensor as _tensor  # the module: Tensor itself is defined after this file loads
from . import grad_mode

_state = grad_mode._state


class Function:
    """Base class for differentiable operations; the instance is the ``ctx``.

    Example (PyTorch's own example works unchanged)::

        class Exp(deepgrad.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, g):
                (y,) = ctx.saved_tensors
                return g * y

        y = Exp.apply(x)
    """

    # ArrayFunction subclasses that need their own output in backward set this.
    needs_output = False
    # Built-in ops whose backward never reads the input values set this to False,
    # so that changing those inputs in place later is allowed.
    saves_inputs = True
    # Ops whose outputs have no gradient (comparisons, argmax) set this to False.
    differentiable = True

    # per-node state that is usually absent (instance attributes override these)
    _released = False      # set once backward has freed the node
    _tensor_hooks = None   # {output index: [hooks]} from Tensor.register_hook on outputs
    _node_hooks = None     # hooks registered on the node itself
    _versions = None       # input versions recorded at forward (built-in ops)
    _n_out = 1             # number of outputs (set by ops with several)
    # an op's backward on raw arrays, for a plain backward(): backward_arrays(g) gets the
    # output gradient's array and returns a tuple with, per input, an array, None or a
    # SliceGradient. None here: the engine wraps the gradients and calls backward.
    backward_arrays = None

    # --- the ctx API -----------------------------------------------------
    def save_for_backward(self, *tensors):
        self._saved = tensors
        self._saved_versions = tuple(None if t is None else t._vc[0] for t in tensors)

    @property
    def saved_tensors(self):
        if getattr(self, "_released", False):
            raise RuntimeError(_SECOND_BACKWARD)
        saved = getattr(self, "_saved", ())
        for t, v in zip(saved, self._saved_versions):
            if t is not None and t._vc[0] != v:
                raise RuntimeError(_modified_message(self, t, v))
        return saved

    def mark_non_differentiable(self, *tensors):
        self._non_diff = {id(t) for t in tensors}

    def mark_dirty(self, *tensors):
        pass  # in-place custom functions: accepted for API compatibility

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    materialize_grads = True

    # --- graph bookkeeping -----------------------------------------------
    def name(self):
        return type(self).__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()} object>"

    def _record_edges(self, inputs):
        """Remember the graph's edges as they are now: for each input, whether it needs a
        gradient and where that gradient goes (the node that made it and which of that node's
        outputs it is; None for a leaf or a constant). The engine follows these, not the
        inputs' ``grad_fn`` at backward time: an in-place op later gives a tensor a new
        ``grad_fn``, and the ops that read the tensor before the write must still send their
        gradient to the old one (PyTorch's edges are fixed when an op is recorded, too)."""
        self.inputs = inputs
        self.needs_input_grad = tuple([t is not None and t._requires_grad for t in inputs])
        self._next_fns = tuple([None if t is None else t.grad_fn for t in inputs])
        self._next_outs = tuple([0 if t is None else t._out_index for t in inputs])

    @property
    def next_functions(self):
        """(node, output index) per input, as recorded; (None, 0) for a leaf or constant."""
        return tuple(zip(self._next_fns, self._next_outs))

    def register_hook(self, hook):
        """Call ``hook(grad_inputs, grad_outputs)`` after this node's backward."""
        if self._node_hooks is None:
            self._node_hooks = []
        self._node_hooks.append(hook)

    def output(self):
        """The op's output as a Tensor attached to this node (for ops with ``needs_output``).

        The node keeps the output's *array*, not the Tensor (which would free too
        early or form a cycle); the Tensor is rebuilt here with this node as its
        ``grad_fn``, so a backward formula that uses it is itself differentiable.
        """
        if self._out_vc[0] != self._out_version:
            raise RuntimeError(_modified_message(self, None, self._out_version,
                                                 self._out_vc[0], self._out_data.shape))
        t = _tensor.Tensor._make(self._out_data, self.inputs[0]._device)
        t._vc = self._out_vc
        t._requires_grad = True
        t.grad_fn = self
        t._out_index = 0
        return t

    def output_array(self):
        """The op's output as a raw array, for ``backward_arrays``; like ``output()``, it
        fails if that output was changed in place since."""
        if self._out_vc[0] != self._out_version:
            raise RuntimeError(_modified_message(self, None, self._out_version,
                                                 self._out_vc[0], self._out_data.shape))
        return self._out_data

    # --- running ---------------------------------------------------------
    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` without recording, then attach a node if any input needs grad."""
        Tensor = _tensor.Tensor
        ctx = cls()
        ctx._record_edges(tuple(a if isinstance(a, Tensor) else None for a in args))
        with grad_mode.no_grad():
            outputs = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        if not (_state.enabled and any(ctx.needs_input_grad)):
            return outputs
        non_diff = getattr(ctx, "_non_diff", ())
        wrapped = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                wrapped.append(o)
                continue
            if any(o is a for a in args):  # returned an input unchanged: give it its own identity
                o = o.view_as(o)
            if id(o) in non_diff or not o.dtype.is_floating_point:
                wrapped.append(o.detach())
                continue
            o = o.detach()
            o.requires_grad = True
            o.grad_fn = ctx
            o._out_index = i
            wrapped.append(o)
        ctx._n_out = len(outs)
        ctx._out_meta = [(o.shape, o.dtype, o.device) if isinstance(o, Tensor) else None
                         for o in wrapped]
        return wrapped[0] if single else tuple(wrapped)

    def _check_versions(self):
        """Before backward: fail loudly if an input it reads was changed in place."""
        versions = self._versions
        if versions is not None:
            for t, v in zip(self.inputs, versions):
                if t is not None and t._vc[0] != v:
                    raise RuntimeError(_modified_message(self, t, v))


_ONE_INPUT_NEEDS_GRAD = (True,)


class ArrayFunction(Function):
    """A built-in op: ``forward`` works on raw arrays, ``backward`` on Tensors."""

    @classmethod
    def apply(cls, *inputs, **attrs):
        """Run ``forward`` on the inputs' arrays; record a node when a gradient is needed.

        This is the hot path of every op, so it is written for speed: one branch per
        arity (most ops take one or two tensors), the output wrapped without a call,
        and no work beyond the forward itself when nothing requires grad.
        """
        ctx = cls.__new__(cls)
        n = len(inputs)
        if n == 1:
            first = inputs[0]
            dev = first._device
            # a call without ** when there are no attributes: a third of the call's cost
            out = ctx.forward(first._data, **attrs) if attrs else ctx.forward(first._data)
            record = first._requires_grad
        elif n == 2:
            first, second = inputs
            dev = first._device
            if second._device is not dev:
                _device_mismatch(cls, inputs)
            out = (ctx.forward(first._data, second._data, **attrs) if attrs
                   else ctx.forward(first._data, second._data))
            record = first._requires_grad or second._requires_grad
        elif n == 3:  # Linear with a bias, addmm, where
            first, second, third = inputs
            dev = first._device
            if second._device is not dev or third._device is not dev:
                _device_mismatch(cls, inputs)
            out = (ctx.forward(first._data, second._data, third._data, **attrs) if attrs
                   else ctx.forward(first._data, second._data, third._data))
            record = first._requires_grad or second._requires_grad or third._requires_grad
        else:
            first = inputs[0]
            dev = first._device
            record = False
            for t in inputs:
                if t._device is not dev:
                    _device_mismatch(cls, inputs)
                if t._requires_grad:
                    record = True
            out = ctx.forward(*[t._data for t in inputs], **attrs)
        record = record and _state.enabled and cls.differentiable
        Tensor = _tensor.Tensor
        if type(out) is tuple:
            make = Tensor._make
            if not record:
                return tuple(make(o, dev) for o in out)
            ctx._attach(inputs)
            ctx._n_out = len(out)
            results = tuple(ctx._wrap_output(make(o, dev), i) for i, o in enumerate(out))
            ctx._out_meta = [(r.shape, r.dtype, dev) for r in results]
            return results
        # Tensor._make, inlined: this runs for every op
        result = Tensor.__new__(Tensor)
        result._data = out
        result._device = dev
        result.grad = None
        result._out_index = 0
        result._vc = [0]
        if not record or out.dtype.kind != "f":
            result._requires_grad = False
            result.grad_fn = None
            return result
        # record the node (inlined _attach/_wrap_output: this runs for every recorded op)
        ctx.inputs = inputs
        if n == 1:
            ctx.needs_input_grad = _ONE_INPUT_NEEDS_GRAD
            ctx._next_fns, ctx._next_outs = (first.grad_fn,), (first._out_index,)
            if cls.saves_inputs:
                ctx._versions = (first._vc[0],)
        elif n == 2:
            ctx.needs_input_grad = (first._requires_grad, second._requires_grad)
            ctx._next_fns = (first.grad_fn, second.grad_fn)
            ctx._next_outs = (first._out_index, second._out_index)
            if cls.saves_inputs:
                ctx._versions = (first._vc[0], second._vc[0])
        elif n == 3:
            ctx.needs_input_grad = (first._requires_grad, second._requires_grad,
                                    third._requires_grad)
            ctx._next_fns = (first.grad_fn, second.grad_fn, third.grad_fn)
            ctx._next_outs = (first._out_index, second._out_index, third._out_index)
            if cls.saves_inputs:
                ctx._versions = (first._vc[0], second._vc[0], third._vc[0])
        else:
            ctx._record_edges(inputs)
            if cls.saves_inputs:
                ctx._versions = tuple([t._vc[0] for t in inputs])
        result._requires_grad = True
        result.grad_fn = ctx
        if cls.needs_output:
            ctx._out_data = out
            ctx._out_vc = result._vc
            ctx._out_version = 0
        return result

    def _attach(self, inputs):
        if self.saves_inputs:
            self._versions = tuple([t._vc[0] for t in inputs])
        self._record_edges(inputs)

    def _wrap_output(self, result, index):
        if result._data.dtype.kind != "f":
            return result
        result._requires_grad = True
        result.grad_fn = self
        result._out_index = index
        if self.needs_output:
            self._out_data = result._data
            self._out_vc = result._vc
            self._out_version = result._vc[0]
        return result

    @property
    def saved_tensors(self):
        return self.inputs


class SliceGradient:
    """The gradient of a slice ``y = x[index]`` (basic indexing) as ``backward_arrays``
    returns it: zeros of ``shape`` but ``grad`` at ``index``. The engine adds it into
    x's pending gradient where the slice lies, so the chunks of one tensor (a GRU's gates)
    share one buffer instead of each making a full array of zeros to be summed."""

    __slots__ = ("shape", "index", "grad")

    def __init__(self, shape, index, grad):
        self.shape, self.index, self.grad = shape, index, grad

    def materialize(self):
        grad = self.grad
        if type(grad) is np.ndarray:  # np.zeros: a quarter of np.zeros_like's cost
            out = np.zeros(self.shape, grad.dtype)
        else:
            out = np.zeros_like(grad, shape=self.shape)  # CuPy, as the gradient
        out[self.index] = self.grad
        return out


_SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time."
)


def _modified_message(node, tensor, expected, now=None, shape=None):
    if tensor is not None:
        now, shape = tensor._vc[0], tensor.shape
    shape = list(shape)
    return (f"one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: a tensor of shape {shape} used by {node.name()} is at version "
            f"{now}; expected version {expected} instead.")


def _device_mismatch(cls, inputs):
    devices = ", ".join(str(t._device) for t in inputs)
    raise RuntimeError(f"Expected all tensors to be on the same device, but {cls.__name__} "
                       f"got tensors on {devices}")
