"""Precision-recall curves, custom scalar layouts, whole tensors and audio: read back
with TensorBoard's reader, compared with direct counts and with torch.utils.tensorboard's
files."""
import numpy as np
import pytest

import deepgrad
from deepgrad.utils.tensorboard import SummaryWriter

from .tb_reading import both, read, torch

pytest.importorskip("tensorboard")
from tensorboard.plugins.custom_scalar import layout_pb2  # noqa: E402
from tensorboard.plugins.pr_curve import plugin_data_pb2  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402


def _table(acc, tag):
    (event,) = acc.Tensors(tag)
    return tensor_util.make_ndarray(event.tensor_proto)


@pytest.mark.parametrize("num_thresholds,weighted", [(127, False), (11, True), (500, False)])
def test_pr_curve_matches_torch(tmp_path, num_thresholds, weighted):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=200)
    preds = np.clip(rng.random(200) * 0.6 + labels * 0.3, 0, 1)
    preds[:3] = [0.0, 1.0, 0.5]  # both ends and a threshold exactly
    weights = rng.random(200) if weighted else None

    def calls(w, lib):
        conv = lib.tensor if lib is deepgrad else torch.from_numpy
        w.add_pr_curve("pr", conv(labels), conv(preds), 4, num_thresholds=num_thresholds,
                       weights=weights, walltime=2.0)
    ours, theirs = both(tmp_path, calls)
    np.testing.assert_allclose(_table(ours, "pr"), _table(theirs, "pr"), rtol=1e-6)
    content = ours.PluginTagToContent("pr_curves")["pr"]
    n = plugin_data_pb2.PrCurvePluginData.FromString(content).num_thresholds
    assert n == min(num_thresholds, 127)


def test_pr_curve_counts_closed_form(tmp_path):
    """At threshold t_i = i / (n - 1), an example is predicted positive when
    floor(p (n - 1)) >= i; the counts follow from counting directly."""
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, size=300).astype(bool)
    preds = rng.random(300)
    n = 21
    with SummaryWriter(tmp_path) as w:
        w.add_pr_curve("pr", labels, preds, 0, num_thresholds=n)
    tp, fp, tn, fn, precision, recall = _table(read(tmp_path), "pr").astype(np.float64)
    bucket = np.floor(preds * (n - 1))
    for i in range(n):
        predicted = bucket >= i
        assert tp[i] == (predicted & labels).sum() and fp[i] == (predicted & ~labels).sum()
        assert tn[i] == (~predicted & ~labels).sum() and fn[i] == (~predicted & labels).sum()
    np.testing.assert_allclose(precision, tp / np.maximum(tp + fp, 1e-7), rtol=1e-6)
    np.testing.assert_allclose(recall, tp / (tp + fn), rtol=1e-6)
    assert recall[0] == 1 and tp[0] + fn[0] == labels.sum()


def test_pr_curve_raw_and_bad_input(tmp_path):
    rows = [np.arange(5.0) + r for r in range(6)]
    with SummaryWriter(tmp_path) as w:
        w.add_pr_curve_raw("raw", *rows, global_step=1, num_thresholds=5)
        with pytest.raises(ValueError, match=r"predictions must lie in \[0, 1\]"):
            w.add_pr_curve("bad", [0, 1], [0.5, 1.5])
        with pytest.raises(ValueError, match="labels must be 0/1"):
            w.add_pr_curve("bad", [0, 2], [0.5, 0.5])
        with pytest.raises(ValueError, match="3 labels but 2 predictions"):
            w.add_pr_curve("bad", [0, 1, 1], [0.5, 0.5])
    np.testing.assert_array_equal(_table(read(tmp_path), "raw"), np.stack(rows))


def test_custom_scalars_layout_matches_torch(tmp_path):
    layout = {"Losses": {"train vs val": ["Multiline", ["loss/train", "loss/val"]]},
              "Accuracy": {"band": ["Margin", ["acc", "acc_low", "acc_high"]]}}

    def calls(w, lib):
        w.add_custom_scalars(layout)
        w.add_custom_scalars_multilinechart(["a", "b"], category="more", title="ab")
    ours, theirs = both(tmp_path, calls)
    got = [layout_pb2.Layout.FromString(e.tensor_proto.string_val[0])
           for e in ours.Tensors("custom_scalars__config__")]
    want = [layout_pb2.Layout.FromString(e.tensor_proto.string_val[0])
            for e in theirs.Tensors("custom_scalars__config__")]
    assert got == want and len(got) == 2
    chart = got[0].category[1].chart[0]
    assert (chart.title, chart.margin.series[0].upper) == ("band", "acc_high")
    with SummaryWriter(tmp_path / "bad") as w:
        with pytest.raises(ValueError, match="Margin chart needs 3 tags"):
            w.add_custom_scalars_marginchart(["a", "b"])
        with pytest.raises(ValueError, match="'Multiline' or 'Margin', got 'Pie'"):
            w.add_custom_scalars({"c": {"t": ["Pie", ["a"]]}})


# --- whole tensors and sound ------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "bool"])
def test_add_tensor_matches_torch(tmp_path, dtype):
    values = (np.random.default_rng(2).normal(size=(2, 3, 4)) * 5).astype(dtype)

    def calls(w, lib):
        w.add_tensor("t", lib.tensor(values) if lib is deepgrad else torch.from_numpy(values),
                     3, walltime=1.0)
    ours, theirs = both(tmp_path, calls)
    (a,), (b,) = ours.Tensors("t"), theirs.Tensors("t")
    assert a == b
    decoded = tensor_util.make_ndarray(a.tensor_proto)
    assert decoded.dtype == values.dtype
    np.testing.assert_array_equal(decoded, values)


@pytest.mark.parametrize("values", [
    np.array([[0.5, -2.25], [65504.0, 1e-4]], dtype=np.float16),
    np.array([0, 7, 255], dtype=np.uint8), np.array([-128, 5], dtype=np.int8)])
def test_add_tensor_read_back_by_tensorboard(tmp_path, values):
    """float16 and uint8 are where torch's files are not what TensorBoard reads (torch
    stores float32 bit patterns as half_val, and uint8 in uint32_val); TensorBoard's own
    make_ndarray is the oracle here."""
    with SummaryWriter(tmp_path) as w:
        w.add_tensor("h", values)
        with pytest.raises(ValueError, match="unsupported dtype complex128"):
            w.add_tensor("c", np.ones(2, dtype=complex))
    (event,) = read(tmp_path).Tensors("h")
    decoded = tensor_util.make_ndarray(event.tensor_proto)
    assert decoded.dtype == values.dtype
    np.testing.assert_array_equal(decoded, values)


def test_add_audio_matches_torch_and_wav(tmp_path):
    import io
    import wave
    t = np.arange(800) / 8000
    sound = 0.8 * np.sin(2 * np.pi * 440 * t)[None, :]  # (1, L): squeezed to mono

    def calls(w, lib):
        w.add_audio("tone", lib.tensor(sound) if lib is deepgrad else torch.from_numpy(sound),
                    1, sample_rate=8000)
    ours, theirs = both(tmp_path, calls)
    (a,), (b,) = ours.Audio("tone"), theirs.Audio("tone")
    assert a.encoded_audio_string == b.encoded_audio_string
    assert (a.sample_rate, a.length_frames, a.content_type) == (8000, 800, "audio/wav")
    with wave.open(io.BytesIO(a.encoded_audio_string)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 8000)
        pcm = np.frombuffer(wav.readframes(800), dtype="<i2")
    np.testing.assert_array_equal(pcm, np.trunc(sound[0] * 32767).astype(np.int16))
    with SummaryWriter(tmp_path / "loud") as w:
        with pytest.warns(UserWarning, match=r"out of \[-1, 1\] .max \|x\| = 3.*clipped"):
            w.add_audio("loud", np.array([0.5, 2.0, -3.0]), sample_rate=10)
        with pytest.raises(ValueError, match="one channel"):
            w.add_audio("stereo", np.zeros((2, 5)))
    (loud,) = read(tmp_path / "loud").Audio("loud")
    with wave.open(io.BytesIO(loud.encoded_audio_string)) as wav:
        np.testing.assert_array_equal(np.frombuffer(wav.readframes(3), "<i2"),
                                      [16383, 32767, -32767])


def test_add_histogram_raw_matches_torch(tmp_path):
    values = np.random.default_rng(3).normal(size=100)
    counts, edges = np.histogram(values, bins=10)
    kw = dict(min=values.min(), max=values.max(), num=values.size, sum=values.sum(),
              sum_squares=values @ values, bucket_limits=edges[1:].tolist(),
              bucket_counts=counts.tolist())
    ours, theirs = both(tmp_path, lambda w, lib: w.add_histogram_raw("raw", global_step=2,
                                                                       walltime=3.0, **kw))
    assert ours.Histograms("raw") == theirs.Histograms("raw")
    with SummaryWriter(tmp_path / "bad") as w:
        with pytest.raises(ValueError, match="10 bucket_limits but 9 bucket_counts"):
            w.add_histogram_raw("raw", **{**kw, "bucket_counts": counts[:9]})


def test_signatures_match_torch():
    import inspect

    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    ours = [m for m in dir(SummaryWriter) if not m.startswith("_")]
    not_written = {"add_video", "add_mesh", "add_image_with_boxes", "add_onnx_graph"}
    assert set(ours) == {m for m in dir(TorchWriter) if not m.startswith("_")} - not_written
    for name in ours + ["__init__"]:
        a, b = (inspect.signature(getattr(cls, name)) for cls in (SummaryWriter, TorchWriter))
        assert [(p.name, p.default) for p in a.parameters.values()] == \
            [(p.name, p.default) for p in b.parameters.values()], name
