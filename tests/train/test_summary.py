"""deepgrad.utils.summary: output shapes and parameter counts against torch's own model."""
import pytest

from deepgrad import nn
from deepgrad.utils import summary
from tests.conftest import torch


def _pair():
    ours = nn.Sequential(nn.Conv1d(1, 4, 5, padding=2), nn.BatchNorm1d(4), nn.ReLU(),
                         nn.MaxPool1d(2), nn.Flatten(), nn.Linear(4 * 20, 16), nn.ReLU(),
                         nn.Linear(16, 10))
    theirs = torch.nn.Sequential(torch.nn.Conv1d(1, 4, 5, padding=2), torch.nn.BatchNorm1d(4),
                                 torch.nn.ReLU(), torch.nn.MaxPool1d(2), torch.nn.Flatten(),
                                 torch.nn.Linear(4 * 20, 16), torch.nn.ReLU(),
                                 torch.nn.Linear(16, 10))
    return ours, theirs


def test_rows_totals_and_memory_match_torch():
    ours, theirs = _pair()
    ours[0].weight.requires_grad_(False)
    ours[5].requires_grad_(False)
    shapes = {}
    for name, m in theirs.named_modules():
        if name:
            m.register_forward_hook(lambda mod, a, out, name=name: shapes.__setitem__(
                name, tuple(out.shape)))
    theirs.eval()
    theirs(torch.zeros(8, 1, 40))
    printed = []
    text = summary(ours, (8, 1, 40), print_fn=printed.append)
    assert printed == [text]
    rows = {line.split(" (")[0]: line for line in text.splitlines()
            if line[:1].isdigit()}
    for name, shape in shapes.items():
        assert "(" + ", ".join(map(str, shape)) + ")" in rows[name], name
        count = sum(p.numel() for p in dict(theirs.named_modules())[name].parameters())
        assert f"{count:,}" in rows[name].split(")")[-1], name
    total = sum(p.numel() for p in theirs.parameters())
    frozen = theirs[0].weight.numel() + sum(p.numel() for p in theirs[5].parameters())
    assert f"Total params: {total:,}" in text
    assert f"Trainable params: {total - frozen:,}" in text
    assert f"Non-trainable params: {frozen:,}" in text
    assert "partial" in rows["0"] and rows["5"].rstrip().endswith("no")
    assert f"Params size: {total * 4 / 2 ** 20:.2f} MB" in text
    assert ours.training and ours[1].training       # modes restored


def test_bad_input_size_names_the_shape():
    ours, _ = _pair()
    with pytest.raises(ValueError, match=r"cannot take inputs of shape \(8, 1, 30\)"):
        summary(ours, (8, 1, 30), print_fn=None)
