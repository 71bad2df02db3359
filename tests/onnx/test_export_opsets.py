"""The same small models in every supported opset: ops that changed are written in the
form of the requested opset (Softmax before 13, Squeeze/Unsqueeze/Split/Reduce* axes,
LayerNormalization from 17, Gelu from 20, HardSwish from 14, Celu from 12, Clip and Pad
attributes before 11)."""
import pytest

import deepgrad
import deepgrad.nn as nn
import deepgrad.nn.functional as F
import deepgrad.onnx as donnx

from ._roundtrip import check_roundtrip, onnx


class Mixed(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect")
        self.norm = nn.GroupNorm(2, 4)
        self.act = nn.Sequential(nn.Hardswish(), nn.CELU(0.8), nn.Upsample(size=(7, 6)),
                                 nn.ReLU6())
        self.ln = nn.LayerNorm(6)
        self.glu = nn.GLU(dim=1)
        self.rnn = nn.GRU(6, 3, batch_first=True, bidirectional=True)

    def forward(self, image, seq):
        h = self.act(self.norm(self.conv(image)))             # (N, 4, 7, 6)
        h = F.softmax(h, dim=1)[:, None, 1:3].squeeze(1)       # softmax on a middle axis
        pooled = F.gelu(self.ln(h.mean(dim=(2,))))             # (N, 2, 6)
        gated = self.glu(pooled.reshape(pooled.shape[0], -1)).clamp(-0.3, 0.3)  # (N, 6)
        out, h_n = self.rnn(seq)
        return F.log_softmax(gated, dim=-1), out.sum(dim=1), h_n


@pytest.mark.parametrize("opset", [10, 11, 12, 13, 14, 16, 17, 18, 20, 23])
def test_mixed_model_in_each_opset(opset):
    model = Mixed()
    if opset < 11:   # ONNX Resize with PyTorch's coordinate rules came in opset 11
        model.act[2] = nn.Identity()
    data = check_roundtrip(model, (deepgrad.randn(2, 3, 5, 6), deepgrad.randn(2, 4, 6)),
                           opset_version=opset)
    assert onnx.load_from_string(data).opset_import[0].version == opset


def test_op_newer_than_the_opset_is_refused():
    with pytest.raises(donnx.UnsupportedOperatorError, match="needs opset_version 11"):
        donnx.export(nn.Upsample(scale_factor=2), deepgrad.randn(1, 1, 2, 2), opset_version=10)
    with pytest.raises(donnx.UnsupportedOperatorError, match="needs opset_version 19"):
        donnx.export(nn.Conv2d(1, 1, 3, padding=1, padding_mode="circular"),
                     deepgrad.randn(1, 1, 4, 4), opset_version=18)
