"""Each layer exported alone (or in a small stack), run by onnxruntime, compared with deepgrad."""
import onnx
import pytest

import deepgrad
import deepgrad.nn as nn

from ._roundtrip import check_roundtrip, export_bytes


def _trained_stats(norm, shape, steps=3):
    """A norm layer whose running statistics and affine parameters are not the defaults."""
    with deepgrad.no_grad():
        if getattr(norm, "weight", None) is not None:
            norm.weight.copy_(deepgrad.rand(*norm.weight.shape) + 0.5)
            norm.bias.copy_(deepgrad.randn(*norm.bias.shape))
        norm.train()
        for _ in range(steps):
            norm(deepgrad.randn(*shape) * 3 + 1)
    return norm


LAYERS = {
    "linear": (lambda: nn.Linear(6, 4), (3, 6)),
    "linear_3d_input": (lambda: nn.Linear(6, 4), (2, 5, 6)),
    "linear_no_bias": (lambda: nn.Linear(6, 4, bias=False), (3, 6)),
    "conv1d": (lambda: nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2), (2, 4, 11)),
    "conv2d": (lambda: nn.Conv2d(3, 4, 3), (2, 3, 7, 6)),
    "conv2d_stride_pad_dil": (lambda: nn.Conv2d(2, 4, (3, 2), stride=(2, 1), padding=(1, 2),
                                                dilation=(1, 2)), (2, 2, 9, 8)),
    "conv2d_groups": (lambda: nn.Conv2d(4, 8, 3, groups=4, bias=False), (2, 4, 6, 6)),
    "conv2d_same": (lambda: nn.Conv2d(2, 3, 4, padding="same", dilation=2), (1, 2, 9, 9)),
    "conv2d_reflect": (lambda: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"), (1, 2, 6, 5)),
    "conv2d_replicate": (lambda: nn.Conv2d(2, 3, 3, padding=2, padding_mode="replicate"),
                         (1, 2, 6, 5)),
    "conv2d_unbatched": (lambda: nn.Conv2d(2, 3, 3), (2, 6, 6)),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1,
                                                    groups=2), (2, 4, 5, 4)),
    "conv_transpose2d_dil": (lambda: nn.ConvTranspose2d(3, 2, (2, 3), stride=(1, 2), dilation=2),
                             (1, 3, 4, 5)),
    "conv_transpose1d": (lambda: nn.ConvTranspose1d(3, 2, 4, stride=3, padding=1), (2, 3, 6)),
    "max_pool1d": (lambda: nn.MaxPool1d(3, stride=2, padding=1), (2, 3, 10)),
    "max_pool2d": (lambda: nn.MaxPool2d(2), (2, 3, 8, 6)),
    "max_pool2d_pad_dil_ceil": (lambda: nn.MaxPool2d(3, stride=2, padding=1, dilation=1,
                                                     ceil_mode=True), (2, 2, 8, 7)),
    "avg_pool1d": (lambda: nn.AvgPool1d(3, stride=2), (2, 3, 11)),
    "avg_pool2d": (lambda: nn.AvgPool2d(2), (2, 3, 8, 6)),
    "avg_pool2d_pad_excl": (lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
                            (2, 2, 7, 8)),
    "avg_pool2d_pad_incl": (lambda: nn.AvgPool2d(3, stride=2, padding=1), (2, 2, 7, 8)),
    "adaptive_avg_pool2d_1": (lambda: nn.AdaptiveAvgPool2d(1), (2, 3, 5, 7)),
    "adaptive_avg_pool2d_div": (lambda: nn.AdaptiveAvgPool2d((2, 3)), (2, 3, 8, 9)),
    "adaptive_avg_pool1d": (lambda: nn.AdaptiveAvgPool1d(4), (2, 3, 12)),
    "adaptive_max_pool2d": (lambda: nn.AdaptiveMaxPool2d((2, 2)), (2, 3, 8, 6)),
    "batch_norm1d_2d_input": (lambda: _trained_stats(nn.BatchNorm1d(5), (8, 5)), (4, 5)),
    "batch_norm1d_3d_input": (lambda: _trained_stats(nn.BatchNorm1d(3), (8, 3, 4)), (2, 3, 4)),
    "batch_norm2d": (lambda: _trained_stats(nn.BatchNorm2d(3), (4, 3, 5, 5)), (2, 3, 5, 4)),
    "batch_norm2d_no_affine": (lambda: _trained_stats(nn.BatchNorm2d(3, affine=False),
                                                      (4, 3, 5, 5)), (2, 3, 5, 4)),
    "layer_norm": (lambda: _trained_stats(nn.LayerNorm(6), (3, 6)), (2, 4, 6)),
    "layer_norm_2_axes": (lambda: nn.LayerNorm((4, 6), eps=1e-3), (2, 4, 6)),
    "layer_norm_no_affine": (lambda: nn.LayerNorm(6, elementwise_affine=False), (2, 4, 6)),
    "group_norm": (lambda: _trained_stats(nn.GroupNorm(2, 6), (2, 6, 3)), (2, 6, 4, 3)),
    "group_norm_no_affine": (lambda: nn.GroupNorm(3, 6, affine=False), (2, 6, 5)),
    "instance_norm2d": (lambda: nn.InstanceNorm2d(3, affine=True), (2, 3, 4, 5)),
    "dropout_eval": (lambda: nn.Sequential(nn.Dropout(0.5), nn.Dropout2d(0.3)), (2, 3, 4, 4)),
    "identity_flatten": (lambda: nn.Sequential(nn.Identity(), nn.Flatten()), (2, 3, 4, 5)),
    "flatten_middle": (lambda: nn.Flatten(start_dim=2), (2, 3, 4, 5)),
    "unflatten": (lambda: nn.Unflatten(1, (3, 4)), (2, 12, 5)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_onnxruntime(name):
    make, shape = LAYERS[name]
    model = make()
    check_roundtrip(model, deepgrad.randn(*shape))


ACTIVATIONS = {
    "relu": nn.ReLU(), "relu6": nn.ReLU6(), "leaky_relu": nn.LeakyReLU(0.2), "elu": nn.ELU(0.7),
    "celu": nn.CELU(1.3), "selu": nn.SELU(), "gelu": nn.GELU(), "gelu_tanh": nn.GELU("tanh"),
    "sigmoid": nn.Sigmoid(), "tanh": nn.Tanh(), "softmax": nn.Softmax(dim=1),
    "softmax_last": nn.Softmax(dim=-1), "log_softmax": nn.LogSoftmax(dim=1),
    "softmin": nn.Softmin(dim=2), "silu": nn.SiLU(), "mish": nn.Mish(),
    "softplus": nn.Softplus(), "softplus_beta": nn.Softplus(beta=2.0, threshold=3.0),
    "hardtanh": nn.Hardtanh(-0.5, 1.5), "hardsigmoid": nn.Hardsigmoid(),
    "hardswish": nn.Hardswish(), "softsign": nn.Softsign(), "logsigmoid": nn.LogSigmoid(),
    "tanhshrink": nn.Tanhshrink(), "threshold": nn.Threshold(0.1, -2.0), "prelu": nn.PReLU(3),
    "glu": nn.GLU(dim=1), "rrelu_eval": nn.RReLU(),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_onnxruntime(name):
    x = deepgrad.randn(2, 4, 5) * 3
    if name == "prelu":
        x = deepgrad.randn(2, 3, 5) * 3
    check_roundtrip(ACTIVATIONS[name], x)


@pytest.mark.parametrize("opset", [17, 18, 20, 23])
def test_gelu_written_out_before_opset_20(opset):
    x = deepgrad.randn(3, 7) * 3
    for approximate in ("none", "tanh"):
        data = check_roundtrip(nn.GELU(approximate), x, opset_version=opset)
        ops = {n.op_type for n in onnx.load_from_string(data).graph.node}
        assert ("Gelu" in ops) == (opset >= 20)


def test_embedding_gathers_rows():
    emb = nn.Embedding(10, 4, padding_idx=0)
    idx = deepgrad.tensor([[1, 0, 9], [3, 3, 2]])
    check_roundtrip(emb, idx)


def test_float64_model_stays_float64():
    # (onnxruntime's CPU Conv has no float64 kernel, so the float64 case is an MLP)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2), nn.Softmax(dim=1)).double()
    check_roundtrip(model, deepgrad.randn(3, 4, dtype=deepgrad.float64), rtol=1e-12,
                    atol=1e-12)


def test_export_restores_training_mode():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    model.train()
    export_bytes(model, deepgrad.randn(2, 3))
    assert model.training and model[1].training
    model.eval()
    export_bytes(model, deepgrad.randn(2, 3))
    assert not model.training and not model[1].training


UPSAMPLERS = {
    "nearest_scale": (lambda: nn.Upsample(scale_factor=2), (2, 3, 4, 5)),
    "nearest_size": (lambda: nn.Upsample(size=(7, 9)), (2, 3, 4, 5)),
    "nearest_exact": (lambda: nn.Upsample(scale_factor=1.5, mode="nearest-exact"), (1, 2, 4, 6)),
    "bilinear": (lambda: nn.Upsample(scale_factor=2, mode="bilinear"), (2, 3, 4, 5)),
    "bilinear_size": (lambda: nn.Upsample(size=(5, 11), mode="bilinear"), (1, 2, 4, 5)),
    "bilinear_corners": (lambda: nn.UpsamplingBilinear2d(scale_factor=3), (1, 2, 3, 4)),
    "linear_1d": (lambda: nn.Upsample(scale_factor=2.5, mode="linear"), (2, 3, 6)),
    "nearest2d": (lambda: nn.UpsamplingNearest2d(size=(8, 3)), (1, 2, 4, 3)),
}


@pytest.mark.parametrize("name", sorted(UPSAMPLERS))
def test_upsample_matches_onnxruntime(name):
    make, shape = UPSAMPLERS[name]
    check_roundtrip(make(), deepgrad.randn(*shape))
