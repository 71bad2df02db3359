"""Embedding: a learned lookup table from integer ids (words, items, classes) to vectors.

``Embedding(num_embeddings, embedding_dim)`` holds ``weight`` of shape
(num_embeddings, embedding_dim), initialised N(0, 1); ``emb(idx)[..., :] =
weight[idx[...]]``, which equals ``one_hot(idx) @ weight`` without the one-hot matrix.
"""
from ... import creation
from ...autograd import grad_mode
from .. import init
from ..functional.embedding import embedding
from ..parameter import Parameter
from .module import Module


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, looked up by index.

    Args:
        num_embeddings (int): size of the vocabulary.
        embedding_dim (int): size of each vector.
        padding_idx (int, optional): this row is initialised to zeros and never receives a
            gradient (a "no token" id). Negative values count from the end.
        max_norm (float, optional): looked-up rows with a larger norm are rescaled in place
            to norm ``max_norm``.
        norm_type (float): p of the p-norm for max_norm. Default: 2.
        scale_grad_by_freq (bool): divide row gradients by their frequency in the batch.
        sparse (bool): accepted for compatibility; gradients are dense.

    Shape: input (*) integers in [0, num_embeddings); output (*, embedding_dim).

    Example::

        emb = nn.Embedding(10, 3, padding_idx=0)
        emb(deepgrad.tensor([[0, 2], [4, 9]])).shape      # (2, 2, 3)
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(f"padding_idx must be within num_embeddings: expected a value "
                                 f"in [{-self.num_embeddings}, {self.num_embeddings - 1}], "
                                 f"got {padding_idx}")
            padding_idx = int(padding_idx) % self.num_embeddings
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(creation.empty(self.num_embeddings, self.embedding_dim,
                                                   dtype=dtype, device=device),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            expected = (self.num_embeddings, self.embedding_dim)
            if tuple(_weight.shape) != expected:
                raise ValueError(f"Shape of weight {tuple(_weight.shape)} does not match "
                                 f"(num_embeddings, embedding_dim) = {expected}")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self):
        """weight ~ N(0, 1); the padding row set to zeros."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self):
        if self.padding_idx is not None:
            with grad_mode.no_grad():
                self.weight._data[self.padding_idx] = 0
                self.weight._vc[0] += 1

    def forward(self, input):  # noqa: A002
        # the registry read directly, as Linear does: ``self.weight`` reaches it only after
        # a failed normal lookup (Module.__getattr__), a cost paid per call
        params = self._parameters
        weight = params["weight"] if "weight" in params else self.weight
        return embedding(input, weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is ``embeddings`` (2-D, shared, not copied); with
        ``freeze=True`` (default) it is not trained (requires_grad=False)."""
        if embeddings.ndim != 2:
            raise ValueError(f"Embeddings parameter is expected to be 2-dimensional, got "
                             f"shape {tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, _weight=embeddings, _freeze=freeze, padding_idx=padding_idx,
                   max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)
