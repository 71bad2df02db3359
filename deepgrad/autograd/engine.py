"""The backward engine: reverse-mode differentiation over the recorded graph.

Algorithm (Kahn's topological order, no recursion, so a chain of 10,000 ops works):

1. Walk the graph from the output nodes and count, for every node, how many
   edges arrive from its consumers.
2. Start from the outputs with their seed gradients. A node is run once all its
   consumers have sent their gradient; then its ``backward`` turns the gradient
   of its output(s) into gradients of its inputs, which are summed into the
   pending gradient of each input's node, or into ``.grad`` of a leaf. Under a plain
   backward the sums go into one fresh buffer per tensor, in place (``_Sums``).
3. Unless ``retain_graph``, each node forgets its saved values once used, and a
   second backward through it raises a clear error.

With ``create_graph=True`` gradients are Tensors and the backward formulas are
recorded, so the gradients are themselves differentiable (Hessian-vector products,
WGAN-GP); ``autograd.grad`` also works on Tensors. A plain ``backward()`` needs no
graph of the gradients, so it moves raw arrays between the nodes: an op that defines
``backward_arrays(g)`` turns its output gradient's array into its inputs' arrays with
NumPy calls only, no Tensor or graph bookkeeping (most built-in ops on the hot path);
any other node gets its gradients wrapped as Tensors and runs its ``backward``.
"""
import threading

import numpy as np

from .. import tensor as _tensor  # the module: Tensor is defined after this file loads
from . import grad_mode
from .function import _SECOND_BACKWARD, SliceGradient

# callbacks queued by hooks during a backward pass, run when the outermost pass ends
_callbacks = threading.local()


def queue_callback(fn):
    """Run ``fn()`` once the backward pass now running has finished (PyTorch's
    ``Variable._execution_engine.queue_callback``). DistributedDataParallel waits for its
    gradient reductions there."""
    queue = getattr(_callbacks, "queue", None)
    if queue is None:
        raise RuntimeError("queue_callback can only be called during a backward pass")
    queue.append(fn)


def _accumulate(pending, g):
    """pending + g, as a fresh tensor (never in place: arrays may be shared)."""
    return g if pending is None else pending + g


def _collect_dependencies(roots):
    """Number of consumer edges reaching each node reachable from ``roots``, and each
    leaf that requires grad (keyed by ``id``): a leaf's gradients are summed over its
    edges and accumulated once, as PyTorch's AccumulateGrad does, so its hooks see the
    whole gradient."""
    deps = dict.fromkeys(roots, 0)  # a root may also feed another root: walk it once
    leaf_edges = {}
    stack = list(roots)
    while stack:
        node = stack.pop()
        fns = node.__dict__.get("_next_fns")
        if fns is None:  # released by an earlier backward: running it will say so
            continue
        for t, fn, needed in zip(node.inputs, fns, node.needs_input_grad):
            if fn is None:
                if needed:  # a leaf that requires grad
                    key = id(t)
                    leaf_edges[key] = leaf_edges.get(key, 0) + 1
            elif fn in deps:
                deps[fn] += 1
            else:  # the first edge into fn: walk on from it
                deps[fn] = 1
                stack.append(fn)
    return deps, leaf_edges


def _materialize(node, grads):
    """Replace missing output gradients by zeros (PyTorch's materialize_grads)."""
    from ..creation import zeros

    out = []
    for g, meta in zip(grads, node._out_meta):
        if g is None and meta is not None:
            shape, dtype, dev = meta
            g = zeros(shape, dtype=dtype, device=dev)
        out.append(g)
    return out


def run_backward(outputs, seeds, retain_graph=False, create_graph=False, capture=None):
    """Propagate ``seeds`` (gradients of ``outputs``) through the graph.

    Without ``capture`` the leaf gradients are accumulated into ``.grad``.
    With ``capture`` (a dict keyed by ``id`` of leaf tensors or ``(node, index)``
    of non-leaves, as made by :func:`deepgrad.autograd.grad`) the gradients
    arriving there are stored in it instead and no ``.grad`` is touched.
    """
    arrays = capture is None and not create_graph  # the plain-backward fast path
    pending = {}
    roots = []
    for out, seed in zip(outputs, seeds):
        node = out.grad_fn
        if node is None:
            if capture is not None:
                key = id(out)
                if key in capture:
                    capture[key] = _accumulate(capture[key], seed)
            elif out.requires_grad:
                _accumulate_leaf(out, seed, create_graph, set())
            continue
        if node._released:
            raise RuntimeError(_SECOND_BACKWARD)
        if capture is not None and (node, out._out_index) in capture:
            key = (node, out._out_index)
            capture[key] = _accumulate(capture[key], seed)
        slot = pending.get(node)
        if slot is None:
            slot = pending[node] = [None] * node._n_out
            roots.append(node)
        if arrays:
            old = slot[out._out_index]
            slot[out._out_index] = seed._data if old is None else old + seed._data
        else:
            slot[out._out_index] = _accumulate(slot[out._out_index], seed)
    _propagate(pending, roots, retain_graph, create_graph, capture)


def run_backward_from(out, seed, retain_graph):
    """``run_backward`` for the common ``loss.backward()``: one output with a node, its seed
    a raw array, a plain backward (no graph of the gradients, no capture)."""
    node = out.grad_fn
    if node._released:
        raise RuntimeError(_SECOND_BACKWARD)
    slot = [None] * node._n_out
    slot[out._out_index] = seed
    _propagate({node: slot}, [node], retain_graph, False, None)


def _propagate(pending, roots, retain_graph, create_graph, capture):
    """Run every node reachable from ``roots`` once all its consumers have sent their
    gradient; ``pending`` holds the roots' output gradients (arrays under a plain backward,
    else Tensors)."""
    arrays = capture is None and not create_graph  # the plain-backward fast path
    deps, leaf_edges = _collect_dependencies(roots)
    # a single root is ready at once: no other root can feed it
    ready = [n for n in roots if deps[n] == 0] if len(roots) > 1 else roots
    handed = set()  # ids of arrays given to leaves, so two leaves never share one
    sums = _Sums(create_graph)
    if arrays:
        leaves = _ArrayLeafSums(leaf_edges, False, handed, sums)
    else:
        leaves = _LeafSums(leaf_edges, create_graph, handed, sums) if capture is None else None
    state = grad_mode._state
    previous, state.enabled = state.enabled, create_graph  # record only with create_graph
    outermost = getattr(_callbacks, "queue", None) is None
    if outermost:
        _callbacks.queue = []
    owned = sums.owned
    try:
        if arrays:
            _run_arrays(ready, pending, deps, retain_graph, leaves, sums)
        else:
            while ready:
                node = ready.pop()
                grads = _take_grads(pending, node, owned)
                _run_node(node, grads, pending, deps, ready, retain_graph, capture, leaves, sums)
        if outermost:
            queue = _callbacks.queue
            while queue:  # a callback may queue another
                queue.pop(0)()
    finally:
        state.enabled = previous
        if outermost:
            _callbacks.queue = None


def _take_grads(pending, node, owned):
    """The gradients waiting for ``node``, taken out of ``pending``. From here on they may
    be shared (a formula may pass one on as it is), so the pass never adds into them again."""
    grads = pending.pop(node)
    if owned:
        for g in grads:
            owned.discard(id(g))
    return grads


def _run_arrays(ready, pending, deps, retain_graph, leaves, sums):
    """The loop of a plain backward, where gradients are raw arrays (``capture`` is None).

    The common node (one output, a built-in array formula, no hooks) is run inline: it is
    what an ordinary training step's backward consists of, and at a small model the engine's
    own Python, not the arithmetic, is most of the cost (a 64-32-10 MLP: the loop with every
    formula stubbed out took ~24 us per backward). ``_array_grads`` handles any other node.
    An input's gradient may also be a ``SliceGradient``, added into that input's pending
    array where the slice lies."""
    owned = sums.owned
    leaves_left, leaves_pending, handed = leaves.left, leaves.pending, leaves.handed
    ndarray, make = np.ndarray, _tensor.Tensor._make
    while ready:
        node = ready.pop()
        grads = _take_grads(pending, node, owned)
        formula = node.backward_arrays
        if (formula is None or len(grads) != 1 or grads[0] is None or node._released
                or node._tensor_hooks is not None or node._node_hooks is not None):
            in_grads, checked = _array_grads(node, grads)
        else:
            versions = node._versions
            if versions is not None:  # an input it reads was changed in place: fail loudly
                for t, v in zip(node.inputs, versions):
                    if t._vc[0] != v:
                        node._check_versions()
            in_grads = formula(grads[0])
            checked = True  # a built-in formula gives each input's shape and dtype exactly
        for t, fn, i, needed, g in zip(node.inputs, node._next_fns, node._next_outs,
                                       node.needs_input_grad, in_grads):
            if fn is None:  # a leaf, or a constant
                if not needed:
                    continue
                key = id(t)
                if (checked and type(g) is ndarray and leaves_left[key] == 1
                        and key not in leaves_pending and t.grad is None
                        and t._hooks is None and t._post_hooks is None):
                    # the last edge into a leaf with no .grad yet and no hooks: the array
                    # becomes .grad (a copy if another leaf holds it or it is a view of
                    # another gradient: an in-place update of one .grad changes no other)
                    if g.base is not None or id(g) in handed:
                        g = g.copy()
                    handed.add(id(g))
                    t.grad = make(g, t._device)
                else:  # every edge arrives, with a gradient or None
                    leaves.arrive(t, g, node, checked)
                continue
            if g is not None:
                slot = pending.get(fn)
                if type(g) is SliceGradient:
                    g = sums.add_slice(None if slot is None else slot[i], g)
                else:
                    if not checked and (g.shape != t._data.shape or g.dtype != t._data.dtype):
                        g = _checked_array(node, t, g)
                    if slot is not None and slot[i] is not None:
                        g = sums.add_arrays(slot[i], g)
                if slot is not None:
                    slot[i] = g
                elif fn._n_out == 1:
                    pending[fn] = [g]
                else:
                    slot = pending[fn] = [None] * fn._n_out
                    slot[i] = g
            elif fn not in pending:  # nothing flowed into it (yet): it still runs, to free it
                pending[fn] = [None] * fn._n_out
            left = deps[fn] - 1
            deps[fn] = left
            if left == 0:  # its last consumer has sent its gradient: fn may run
                ready.append(fn)
        if not retain_graph:
            node.__dict__.clear()
            node._released = True


def _array_grads(node, grads):
    """The input gradients (arrays) of a node the plain loop does not run inline: one with
    hooks, several outputs, no gradient arriving, or no array formula (its Tensor-level
    ``backward`` runs on wrapped gradients). Returns them with whether they are known to
    match the inputs' shapes and dtypes."""
    if node._released:
        raise RuntimeError(_SECOND_BACKWARD)
    if node._tensor_hooks is not None:
        grads = _arrays_of(_run_tensor_hooks(node._tensor_hooks, _tensors_of(node, grads)))
    if all(g is None for g in grads):
        return (None,) * len(node.inputs), True
    versions = node._versions
    if versions is not None:  # an input it reads was changed in place: fail loudly
        for t, v in zip(node.inputs, versions):
            if t is not None and t._vc[0] != v:
                node._check_versions()
    formula = node.backward_arrays
    if formula is not None and len(grads) == 1 and node._node_hooks is None:
        return formula(grads[0]), True
    return _arrays_of(_backward_tensors(node, grads)), False


def _run_node(node, grads, pending, deps, ready, retain_graph, capture, leaves, sums):
    if node._released:
        raise RuntimeError(_SECOND_BACKWARD)
    hooks = node._tensor_hooks
    if hooks is not None:
        grads = _run_tensor_hooks(hooks, grads)
    inputs = node.inputs
    if len(grads) == 1:
        missing = grads[0] is None
        all_missing = missing
    else:
        missing = any(g is None for g in grads)
        all_missing = missing and all(g is None for g in grads)
    if all_missing:
        in_grads = (None,) * len(inputs)
    else:
        if missing and node.materialize_grads:
            grads = _materialize(node, grads)
        versions = node._versions
        if versions is not None:  # an input it reads was changed in place: fail loudly
            for t, v in zip(inputs, versions):
                if t is not None and t._vc[0] != v:
                    node._check_versions()
        in_grads = type(node).backward(node, *grads)  # also right for staticmethods
        if type(in_grads) is not tuple:
            in_grads = (in_grads,)
        if len(in_grads) != len(inputs):
            raise RuntimeError(f"{node.name()}.backward returned {len(in_grads)} gradients "
                               f"but forward had {len(inputs)} inputs")
        node_hooks = node._node_hooks
        if node_hooks:
            for h in node_hooks:
                h(in_grads, tuple(grads))
    for t, fn, i, needed, g in zip(inputs, node._next_fns, node._next_outs,
                                   node.needs_input_grad, in_grads):
        if fn is None:  # a leaf, or a constant
            if not needed:
                continue
            if leaves is not None:
                leaves.arrive(t, g, node)  # every edge arrives, with a gradient or None
            elif g is not None:
                g = _checked(node, t, g)
                key = id(t)
                if key in capture:
                    capture[key] = _accumulate(capture[key], g)
            continue
        if g is not None:
            if g._data.shape != t._data.shape or g._data.dtype != t._data.dtype:
                g = _checked(node, t, g)
            if capture is not None:
                key = (fn, i)
                if key in capture:
                    capture[key] = _accumulate(capture[key], g)
            slot = pending.get(fn)
            if slot is None:
                if fn._n_out == 1:
                    pending[fn] = [g]
                else:
                    slot = pending[fn] = [None] * fn._n_out
                    slot[i] = g
            else:
                old = slot[i]
                slot[i] = g if old is None else sums.add(old, g)
            left = deps[fn] - 1
            deps[fn] = left
            if left == 0:  # its last consumer has sent its gradient: fn may run
                ready.append(fn)
            continue
        left = deps[fn] - 1
        deps[fn] = left
        if left == 0:
            if fn not in pending:  # nothing flowed into it: still free it and reach further
                pending[fn] = [None] * fn._n_out
            ready.append(fn)
    if not retain_graph:
        node.__dict__.clear()
        node._released = True


def _backward_tensors(node, grads):
    """Run a node's Tensor-level ``backward`` on array gradients (wrapped as Tensors, zeros
    for missing ones as PyTorch's materialize_grads); its node hooks see Tensors too."""
    grads = _tensors_of(node, grads)
    if any(g is None for g in grads) and node.materialize_grads:
        grads = _materialize(node, grads)
    in_grads = type(node).backward(node, *grads)  # also right for staticmethods
    if type(in_grads) is not tuple:
        in_grads = (in_grads,)
    if len(in_grads) != len(node.inputs):
        raise RuntimeError(f"{node.name()}.backward returned {len(in_grads)} gradients "
                           f"but forward had {len(node.inputs)} inputs")
    if node._node_hooks:
        for h in node._node_hooks:
            h(in_grads, tuple(grads))
    return in_grads


def _tensors_of(node, grads):
    """Array gradients of ``node``'s outputs as Tensors on the outputs' devices."""
    Tensor = _tensor.Tensor
    meta = node.__dict__.get("_out_meta")
    out = []
    for i, g in enumerate(grads):
        if g is not None:
            dev = meta[i][2] if meta is not None and meta[i] is not None else _device_of(node)
            g = Tensor._make(g, dev)
        out.append(g)
    return out


def _device_of(node):
    for t in node.inputs:
        if t is not None:
            return t._device
    from ..backend import CPU  # noqa: PLC0415

    return CPU


def _arrays_of(grads):
    """The arrays of Tensor gradients (anything else, such as a custom backward's value
    for a non-tensor input, which the engine skips, passes through)."""
    return tuple(g._data if isinstance(g, _tensor.Tensor) else g for g in grads)


def _checked_array(node, t, g):
    """``_checked`` for a raw array gradient: a wrong shape fails, a dtype is cast."""
    if g.shape != t._data.shape:
        raise RuntimeError(f"{node.name()} returned a gradient of shape {tuple(g.shape)} "
                           f"for an input of shape {tuple(t._data.shape)}")
    return g.astype(t._data.dtype)


def _checked(node, t, g):
    """``g`` as a gradient for input ``t``: a wrong shape is a wrong backward formula (fail
    loudly); a different dtype is cast to ``t``'s, as PyTorch does."""
    if g._data.shape != t._data.shape:
        raise RuntimeError(f"{node.name()} returned a gradient of shape {tuple(g.shape)} "
                           f"for an input of shape {tuple(t.shape)}")
    if g._data.dtype != t._data.dtype:
        g = g.to(t.dtype)
    return g


class _Sums:
    """Adds the gradients that meet at one tensor. Under a plain backward (no
    ``create_graph``) the first sum is a fresh array that only this pass holds, so later
    gradients are added into it in place: one allocation per tensor, not one per edge
    (a GRU cell's weights receive a gradient from every time step). ``owned`` holds the ids
    of those arrays' tensors while they wait; once handed to a backward formula or a leaf
    they may be shared, so they are released and never written again."""

    __slots__ = ("owned", "create_graph")

    def __init__(self, create_graph):
        self.owned = set()
        self.create_graph = create_graph

    def add(self, old, g):
        if self.create_graph:
            return old + g  # recorded: the sum itself must be differentiable
        if id(old) in self.owned:
            old._data += g._data
            return old
        if old._data.ndim == 0:  # NumPy's a + b of 0-d arrays is a scalar: keep an array
            arr = old._data.copy()
            arr += g._data
        else:
            arr = old._data + g._data
        total = type(old)._make(arr, old._device)
        self.owned.add(id(total))
        return total

    def add_arrays(self, old, g):
        """``add`` for a plain backward, whose gradients are raw arrays."""
        owned = self.owned
        if id(old) in owned:
            old += g  # in place (a NumPy scalar, from a 0-d sum, is rebound instead)
            owned.add(id(old))
            return old
        if old.ndim == 0:  # NumPy's a + b of 0-d arrays is a scalar: keep an array
            arr = old.copy()
            arr += g
        else:
            arr = old + g
        owned.add(id(arr))
        return arr

    def add_slice(self, old, part):
        """``old`` plus a ``SliceGradient`` (zeros but for ``part.grad`` at ``part.index``),
        writing only the slice: into ``old`` itself when this pass owns it, else into a
        fresh array (a zero one when nothing has arrived yet)."""
        owned = self.owned
        if old is None:
            arr = part.materialize()
        elif id(old) in owned and old.ndim:
            old[part.index] += part.grad
            return old
        elif old.ndim:
            arr = old.copy()
            arr[part.index] += part.grad
        else:
            return self.add_arrays(old, part.materialize())
        owned.add(id(arr))
        return arr

def _run_tensor_hooks(hooks, grads):
    """Hooks registered on non-leaf tensors: each may replace its gradient."""
    grads = list(grads)
    for index, fns in hooks.items():
        g = grads[index]
        if g is None:
            continue
        # retain_grad's hook runs last, so .grad shows what the other hooks made of it
        for fn in sorted(fns, key=lambda f: getattr(f, "retains_grad", False)):
            new = fn(g)
            if new is not None:
                g = new
        grads[index] = g
    return grads


class _LeafSums:
    """Gradients arriving at leaves during one backward pass: summed over a leaf's edges
    and accumulated into ``.grad`` when its last edge has arrived (PyTorch's AccumulateGrad:
    the leaf's hooks and post-accumulate hooks run once, on the whole gradient)."""

    __slots__ = ("left", "pending", "create_graph", "handed", "sums")

    def __init__(self, leaf_edges, create_graph, handed, sums):
        self.left, self.pending = leaf_edges, {}
        self.create_graph, self.handed, self.sums = create_graph, handed, sums

    def arrive(self, leaf, g, node):
        key = id(leaf)
        if g is not None:
            if g._data.shape != leaf._data.shape or g._data.dtype != leaf._data.dtype:
                g = _checked(node, leaf, g)
        left = self.left[key] - 1
        if left == 0 and key not in self.pending:  # the common case: a leaf used once
            if g is not None:
                _accumulate_leaf(leaf, g, self.create_graph, self.handed)
            return
        self.left[key] = left
        if g is not None:
            old = self.pending.get(key)
            self.pending[key] = g if old is None else self.sums.add(old, g)
        if left == 0:
            total = self.pending.pop(key, None)
            if total is not None:
                self.sums.owned.discard(id(total))
                _accumulate_leaf(leaf, total, self.create_graph, self.handed)


class _ArrayLeafSums(_LeafSums):
    """``_LeafSums`` for a plain backward: the gradients arriving are raw arrays (or a
    ``SliceGradient``); the leaf's total becomes a Tensor for ``.grad`` and its hooks."""

    __slots__ = ()

    def arrive(self, leaf, g, node, checked=False):
        """``checked``: ``g`` came from a built-in array formula, right in shape and dtype."""
        key = id(leaf)
        if g is not None:
            if type(g) is SliceGradient:
                g = g.materialize()
            elif not checked and (g.shape != leaf._data.shape or g.dtype != leaf._data.dtype):
                g = _checked_array(node, leaf, g)
        left = self.left[key] - 1
        if left == 0 and key not in self.pending:  # the common case: a leaf used once
            if g is not None:
                _accumulate_leaf_array(leaf, g, self.handed)
            return
        self.left[key] = left
        if g is not None:
            old = self.pending.get(key)
            self.pending[key] = g if old is None else self.sums.add_arrays(old, g)
        if left == 0:
            total = self.pending.pop(key, None)
            if total is not None:
                self.sums.owned.discard(id(total))
                _accumulate_leaf_array(leaf, total, self.handed)


def _accumulate_leaf_array(leaf, arr, handed):
    """``_accumulate_leaf`` for a raw array gradient (a plain backward)."""
    old = leaf.grad
    if (leaf._hooks is not None or leaf._post_hooks is not None
            or (old is not None and old._requires_grad)):
        _accumulate_leaf(leaf, _tensor.Tensor._make(arr, leaf._device), False, handed)
        return
    if old is None:
        # the same array may reach several leaves, or be a view of another gradient:
        # give each leaf its own, so that an in-place update of one .grad changes no other
        if arr.base is not None or id(arr) in handed:
            arr = arr.copy()
    else:
        arr = old._data + arr
    if isinstance(arr, np.generic):  # a 0-d formula's NumPy scalar: .grad must be writable
        arr = np.array(arr)
    handed.add(id(arr))
    leaf.grad = _tensor.Tensor._make(arr, leaf._device)


def _accumulate_leaf(leaf, g, create_graph, handed):
    """Add ``g`` into ``leaf.grad`` after the leaf's hooks, PyTorch's AccumulateGrad."""
    if leaf._hooks is not None:
        for fn in leaf._hooks:
            new = fn(g)
            if new is not None:
                g = new
    old = leaf.grad
    if create_graph or (old is not None and old._requires_grad):
        leaf.grad = g if old is None else old + g
    elif old is None:
        arr = g._data
        # the same array may reach several leaves (add passes one gradient to both
        # inputs) or be a view of another gradient: give each leaf its own array,
        # so that an in-place update of one .grad never changes another
        if arr.base is not None or id(arr) in handed or g.grad_fn is not None:
            arr = arr.copy()
        if isinstance(arr, np.generic):  # a 0-d formula's NumPy scalar: .grad must be writable
            arr = np.array(arr)
        handed.add(id(arr))
        leaf.grad = type(g)._make(arr, leaf._device)
    else:
        arr = old._data + g._data
        if isinstance(arr, np.generic):
            arr = np.array(arr)
        handed.add(id(arr))
        leaf.grad = type(g)._make(arr, leaf._device)
    if leaf._post_hooks is not None:
        for fn in leaf._post_hooks:
            fn(leaf)
