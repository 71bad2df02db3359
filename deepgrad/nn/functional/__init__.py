"""``deepgrad.nn.functional``: the stateless functions behind the layers (``F.relu``,
``F.cross_entropy``, ``F.linear``, ...), with PyTorch's names and arguments."""
from ...ops.shape import pad  # noqa: F401

# --- conv, pooling, upsampling, embedding, dropout, normalization (other helpers)

# --- recurrent, maxout (other helper)
