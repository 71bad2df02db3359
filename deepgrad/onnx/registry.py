"""Which exporter writes which op or layer: two tables, merged from one file per family.

* ``OP_EXPORTERS``: autograd node class (a deepgrad primitive such as ``Reshape``)
  -> ``fn(g, node, input_names, output_tensor)``, returning the output's ONNX name.
* ``MODULE_EXPORTERS``: layer class (``nn.Conv2d``) -> ``fn(g, call, name_of)``,
  returning one ONNX name per output of the call (flattened, in order).

An op that is in neither table makes the export fail with its name and its place
in the model; nothing is guessed. To support a new op, write its exporter in the
file of its family and add it to that file's table.
"""
from . import ops_activation, ops_attention, ops_conv, ops_linear, ops_math, ops_norm, ops_rnn
from . import ops_shape

_FAMILIES = (ops_activation, ops_attention, ops_conv, ops_linear, ops_math, ops_norm, ops_rnn,
             ops_shape)

OP_EXPORTERS = {k: v for family in _FAMILIES for k, v in family.OP_EXPORTERS.items()}
MODULE_EXPORTERS = {k: v for family in _FAMILIES for k, v in family.MODULE_EXPORTERS.items()}


def module_exporter(module):
    """The exporter of a layer, or None: then its forward is traced op by op.

    A subclass uses its parent's exporter only if it kept the parent's ``forward``;
    a subclass with its own ``forward`` computes something else and is traced.
    """
    for cls in type(module).__mro__:
        fn = MODULE_EXPORTERS.get(cls)
        if fn is not None:
            return fn if type(module).forward is cls.forward else None
    return None
