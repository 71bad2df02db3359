"""The cross-entropy fast path when one labels array is reused step after step (the row
offsets are kept between calls): values, gradients and the label range error must still be
torch's, also after the labels change in place."""
import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.nn.functional as F
from tests.conftest import assert_close


def _both(logits, labels):
    x = dg.tensor(logits, requires_grad=True)
    tx = torch.tensor(logits, requires_grad=True)
    return x, tx


@pytest.mark.parametrize("batch", [5, 8, 5])  # a batch size met again reuses its offsets
def test_reused_labels_match_torch_across_calls(batch):
    rng = np.random.default_rng(batch)
    labels = rng.integers(0, 7, batch)
    y, ty = dg.tensor(labels), torch.tensor(labels)
    for step in range(3):
        logits = rng.standard_normal((batch, 7)).astype(np.float32)
        x, tx = _both(logits, labels)
        loss, tloss = F.cross_entropy(x, y), torch.nn.functional.cross_entropy(tx, ty)
        loss.backward()
        tloss.backward()
        assert_close(loss.detach().numpy(), tloss.detach().numpy(), rtol=1e-6, atol=1e-7)
        assert_close(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("bad", [7, -1])
def test_labels_changed_in_place_are_checked_again(bad):
    labels = np.array([0, 1, 2, 3])
    y = dg.tensor(labels)
    ty = torch.tensor(labels)
    x = dg.zeros(4, 7)
    F.cross_entropy(x, y)  # valid
    y.numpy()[2] = bad     # shares memory with y, no version bump
    ty[2] = bad
    with pytest.raises(IndexError):
        torch.nn.functional.cross_entropy(torch.zeros(4, 7), ty)
    with pytest.raises(IndexError):
        F.cross_entropy(x, y)
    y.numpy()[2] = 2
    assert np.isfinite(F.cross_entropy(x, y).item())
