"""deepgrad.utils.tensorboard: files written by deepgrad, read back by TensorBoard's own
reader (EventAccumulator), compared with closed forms and with torch.utils.tensorboard's
files for the same calls."""
import os
import re
import socket
import sys
import time

import numpy as np
import pytest

import deepgrad
from deepgrad.utils.tensorboard import SummaryWriter

pytest.importorskip("tensorboard")
torch = pytest.importorskip("torch")
from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402
from torch.utils.tensorboard import SummaryWriter as TorchWriter  # noqa: E402

from .tb_reading import both, decode_png, read  # noqa: E402


# --- scalars ------------------------------------------------------------------------

def test_scalars_steps_values_walltimes_match_torch(tmp_path):
    values = [3.25, np.float64(-1.5), 7, np.float32(0.1)]

    def calls(w, lib):
        for step, v in enumerate(values):
            w.add_scalar("loss/train", v, global_step=10 * step, walltime=1000.0 + step)
        w.add_scalar("acc", lib.tensor([0.75]), 3, walltime=5.0)
    ours, theirs = both(tmp_path, calls)
    assert ours.Tags()["scalars"] == theirs.Tags()["scalars"] == ["loss/train", "acc"]
    for tag in ("loss/train", "acc"):
        assert ours.Scalars(tag) == theirs.Scalars(tag)
    got = ours.Scalars("loss/train")
    assert [e.step for e in got] == [0, 10, 20, 30]
    assert [e.wall_time for e in got] == [1000.0, 1001.0, 1002.0, 1003.0]
    np.testing.assert_array_equal([e.value for e in got],
                                  np.array([3.25, -1.5, 7, 0.1], dtype=np.float32))


def test_default_walltime_is_now_and_tensor_requiring_grad(tmp_path):
    x = deepgrad.tensor(2.0, requires_grad=True) * 3
    before = time.time()
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("x", x, 1)
    after = time.time()
    (event,) = read(tmp_path).Scalars("x")
    assert before <= event.wall_time <= after and event.value == 6.0 and event.step == 1


@pytest.mark.parametrize("double", [False, True])
def test_new_style_scalars_match_torch(tmp_path, double):
    ours, theirs = both(tmp_path, lambda w, lib: w.add_scalar(
        "lr", 0.1, 5, walltime=1.0, new_style=True, double_precision=double))
    (a,), (b,) = ours.Tensors("lr"), theirs.Tensors("lr")
    assert a.tensor_proto == b.tensor_proto and a.step == b.step == 5
    expected = np.float64(0.1) if double else np.float32(0.1)
    assert tensor_util.make_ndarray(a.tensor_proto).item() == expected
    assert ours.SummaryMetadata("lr").plugin_data.plugin_name == "scalars"


def test_add_scalars_folder_layout_matches_torch(tmp_path):
    def calls(w, lib):
        for step in range(3):
            w.add_scalars("loss/split", {"train": 1.0 / (step + 1), "val": step * 0.5}, step)
    both(tmp_path, calls)
    layouts = {}
    for lib in ("deepgrad", "torch"):
        root = tmp_path / lib
        layouts[lib] = sorted(os.path.relpath(d, root) for d, _, files in os.walk(root)
                              if any(f.startswith("events.out.tfevents") for f in files))
    assert layouts["deepgrad"] == layouts["torch"] == [".", "loss_split_train",
                                                       "loss_split_val"]
    for sub in ("loss_split_train", "loss_split_val"):
        ours, theirs = read(tmp_path / "deepgrad" / sub), read(tmp_path / "torch" / sub)
        assert ours.Tags()["scalars"] == ["loss/split"]
        assert [(e.step, e.value) for e in ours.Scalars("loss/split")] == \
            [(e.step, e.value) for e in theirs.Scalars("loss/split")]
    train = read(tmp_path / "deepgrad" / "loss_split_train").Scalars("loss/split")
    np.testing.assert_allclose([e.value for e in train], [1, 1 / 2, 1 / 3], rtol=1e-7)


def test_scalar_bad_input(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(ValueError, match=r"exactly one number, got shape \(2,\)"):
            w.add_scalar("x", np.array([1.0, 2.0]))
        with pytest.raises(TypeError, match="deepgrad Tensor, a NumPy array or a number"):
            w.add_scalar("x", "1.0")
        with pytest.raises(ValueError, match="exactly one number"):
            w.add_scalars("m", {"a": 1.0, "b": np.ones(3)}, 0)
    assert not (tmp_path / "m_a").exists()  # nothing written before the error


# --- histograms ---------------------------------------------------------------------

def _histo(acc, tag):
    (event,) = acc.Histograms(tag)
    return event.histogram_value


@pytest.mark.parametrize("bins,max_bins", [("tensorflow", None), ("auto", None), (7, None),
                                           ("tensorflow", 40), (np.linspace(-3, 3, 13), 4)])
def test_histogram_buckets_match_torch(tmp_path, bins, max_bins):
    values = np.random.default_rng(0).normal(size=(40, 25)) * 2 + 0.5

    def calls(w, lib):
        data = lib.tensor(values) if lib is deepgrad else torch.from_numpy(values)
        w.add_histogram("w", data, 3, bins=bins, max_bins=max_bins)
    ours, theirs = both(tmp_path, calls)
    a, b = _histo(ours, "w"), _histo(theirs, "w")
    assert list(a.bucket_limit) == list(b.bucket_limit)  # the same edges, bit for bit
    assert list(a.bucket) == list(b.bucket)
    assert (a.min, a.max, a.num) == (values.min(), values.max(), values.size)
    np.testing.assert_allclose([a.sum, a.sum_squares], [values.sum(), (values ** 2).sum()],
                               rtol=1e-12)


def test_histogram_counts_closed_form(tmp_path):
    """Bucket i holds the values in [limit[i-1], limit[i]) (NumPy's half-open buckets),
    the first kept bucket is empty, and nothing is lost."""
    values = np.concatenate([np.random.default_rng(1).exponential(size=500), [0.0, -2.0]])
    with SummaryWriter(tmp_path) as w:
        w.add_histogram("e", values, 0)
    h = _histo(read(tmp_path), "e")
    limits, counts = np.array(h.bucket_limit), np.array(h.bucket)
    assert counts[0] == 0 and counts[1] > 0 and counts[-1] > 0 and counts.sum() == values.size
    assert (np.diff(limits) > 0).all()
    inner = [((values >= lo) & (values < hi)).sum() for lo, hi in zip(limits[:-1], limits[1:])]
    inner[-1] += (values == limits[-1]).sum()  # the last bucket of np.histogram is closed
    np.testing.assert_array_equal(counts[1:], inner)
    # TensorBoard's edges grow by 10 % from 1e-12: consecutive positive limits
    pos = limits[limits > 0]
    np.testing.assert_allclose(pos[1:] / pos[:-1], 1.1, rtol=1e-9)


def test_histogram_bad_input(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(ValueError, match="no element"):
            w.add_histogram("h", np.array([]))
        with pytest.raises(ValueError, match="NaN or infinity .1 of 3."):
            w.add_histogram("h", np.array([1.0, np.nan, 2.0]))


# --- images -------------------------------------------------------------------------

def _image(acc, tag):
    (event,) = acc.Images(tag)
    return event, decode_png(event.encoded_image_string)


IMAGE_CASES = [  # (shape, dataformats, method)
    ((3, 5, 7), "CHW", "add_image"), ((5, 7, 3), "HWC", "add_image"),
    ((1, 5, 7), "CHW", "add_image"), ((5, 7), "HW", "add_image"), ((7, 5), "WH", "add_image"),
    ((5, 7, 4), "HWC", "add_image"), ((11, 3, 4, 6), "NCHW", "add_images"),
    ((3, 4, 6, 1), "NHWC", "add_images"),
]


@pytest.mark.parametrize("shape,fmt,method", IMAGE_CASES, ids=[c[1] + str(c[0]) for c in
                                                                  IMAGE_CASES])
@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_images_match_torch_pixels(tmp_path, shape, fmt, method, dtype):
    rng = np.random.default_rng(2)
    img = rng.random(shape).astype(np.float32)
    if dtype == np.uint8:
        img = (img * 255).astype(np.uint8)

    def calls(w, lib):
        data = lib.tensor(img) if lib is deepgrad else torch.from_numpy(img)
        getattr(w, method)("im", data, 2, dataformats=fmt)
    ours, theirs = both(tmp_path, calls)
    (ev, px), (tev, tpx) = _image(ours, "im"), _image(theirs, "im")
    np.testing.assert_array_equal(px, tpx)
    assert (ev.width, ev.height, ev.step) == (tev.width, tev.height, 2)
    assert px.shape == (ev.height, ev.width, 4 if shape[-1] == 4 and fmt == "HWC" else 3)


def test_image_pixels_closed_form(tmp_path):
    """Floats in [0, 1] become floor(255 x) (clipped); a batch is a grid of 8 columns."""
    img = np.array([[[0.0, 0.5, 1.0], [-0.2, 0.999, 2.0]]])  # (1, 2, 3): grey CHW
    batch = np.random.default_rng(3).integers(0, 256, size=(10, 3, 2, 3), dtype=np.uint8)
    with SummaryWriter(tmp_path) as w:
        w.add_image("grey", img, 0)
        w.add_images("grid", batch, 0)
    acc = read(tmp_path)
    ev, px = _image(acc, "grey")
    expected = np.array([[0, 127, 255], [0, 254, 255]], dtype=np.uint8)
    assert (ev.height, ev.width) == (2, 3)
    for c in range(3):
        np.testing.assert_array_equal(px[:, :, c], expected)
    ev, px = _image(acc, "grid")
    assert (ev.height, ev.width) == (2 * 2, 8 * 3)  # 10 images: 2 rows of 8 columns
    for i in range(16):
        r, c = divmod(i, 8)
        cell = px[2 * r:2 * r + 2, 3 * c:3 * c + 3]
        want = batch[i].transpose(1, 2, 0) if i < 10 else 0
        np.testing.assert_array_equal(cell, np.broadcast_to(want, cell.shape))


def test_image_bad_input(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(ValueError, match=r"3 dimensions \(3, 4, 5\) but dataformats='HW'"):
            w.add_image("x", np.zeros((3, 4, 5)), dataformats="HW")
        with pytest.raises(ValueError, match="dataformats must name"):
            w.add_image("x", np.zeros((3, 4, 5)), dataformats="CHH")
        with pytest.raises(ValueError, match="1 or 3 channels, got 2"):
            w.add_images("x", np.zeros((4, 2, 3, 3)))


def test_add_figure_matches_torch(tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")

    def calls(w, lib):
        fig = plt.figure(figsize=(2, 1.5), dpi=50)
        plt.plot([0, 1, 2], [0, 1, 0])
        w.add_figure("fig", fig, 1)
        assert not plt.fignum_exists(fig.number)  # close=True closed it
    ours, theirs = both(tmp_path, calls)
    (ev, px), (_, tpx) = _image(ours, "fig"), _image(theirs, "fig")
    assert (ev.width, ev.height) == (100, 75)
    np.testing.assert_array_equal(px, tpx)


# --- text, hparams --------------------------------------------------------------------

def test_text_matches_torch(tmp_path):
    msg = "**loss** fell to 0.1 — à bientôt"
    ours, theirs = both(tmp_path, lambda w, lib: w.add_text("notes", msg, 4, walltime=9.0))
    assert ours.Tags()["tensors"] == theirs.Tags()["tensors"] == ["notes/text_summary"]
    (a,), (b,) = ours.Tensors("notes/text_summary"), theirs.Tensors("notes/text_summary")
    assert a == b
    assert tensor_util.make_ndarray(a.tensor_proto)[0].decode("utf-8") == msg
    assert ours.SummaryMetadata("notes/text_summary").plugin_data.plugin_name == "text"


def _hparams_run(acc):
    content = acc.PluginTagToContent("hparams")
    return {tag: plugin_data_pb2.HParamsPluginData.FromString(data)
            for tag, data in content.items()}


def test_hparams_plugin_data(tmp_path):
    hp = {"lr": 0.01, "batch": 64, "optim": "adam", "bn": True, "skip": None,
          "wd": deepgrad.tensor(0.5)}
    with SummaryWriter(tmp_path) as w:
        w.add_hparams(hp, {"hparam/accuracy": 0.9, "hparam/loss": deepgrad.tensor(0.25)},
                      hparam_domain_discrete={"optim": ["adam", "sgd"]}, run_name="trial1")
    data = _hparams_run(read(tmp_path / "trial1"))
    exp = data["_hparams_/experiment"].experiment
    infos = {i.name: i for i in exp.hparam_infos}
    assert set(infos) == {"lr", "batch", "optim", "bn", "wd"}
    types = {k: api_pb2.DataType.Name(v.type) for k, v in infos.items()}
    assert types == {"lr": "DATA_TYPE_FLOAT64", "batch": "DATA_TYPE_FLOAT64",
                     "optim": "DATA_TYPE_STRING", "bn": "DATA_TYPE_BOOL",
                     "wd": "DATA_TYPE_FLOAT64"}
    assert [v.string_value for v in infos["optim"].domain_discrete.values] == ["adam", "sgd"]
    assert [m.name.tag for m in exp.metric_infos] == ["hparam/accuracy", "hparam/loss"]
    start = data["_hparams_/session_start_info"].session_start_info.hparams
    assert start["lr"].number_value == 0.01 and start["batch"].number_value == 64
    assert start["optim"].string_value == "adam" and start["bn"].bool_value is True
    assert start["wd"].number_value == 0.5
    end = data["_hparams_/session_end_info"].session_end_info
    assert api_pb2.Status.Name(end.status) == "STATUS_SUCCESS"
    scalars = read(tmp_path / "trial1")
    assert scalars.Scalars("hparam/loss")[0].value == 0.25


def test_hparams_match_torch_without_bools(tmp_path):
    hp, metrics = {"lr": 0.1, "layers": 3, "act": "relu"}, {"m/acc": 0.5}

    def calls(w, lib):
        w.add_hparams(hp, metrics, hparam_domain_discrete={"layers": [1, 3]}, run_name="r")
    both(tmp_path, calls)
    ours, theirs = (_hparams_run(read(tmp_path / lib / "r")) for lib in ("deepgrad", "torch"))
    assert ours == theirs


def test_hparams_bad_input(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(TypeError, match="should be dictionaries"):
            w.add_hparams([("lr", 0.1)], {})
        with pytest.raises(ValueError, match="hparam 'f' must be an int, float, str, bool"):
            w.add_hparams({"f": [1, 2]}, {"m": 1.0}, run_name="bad")
        with pytest.raises(TypeError, match=r"hparam_domain_discrete\['lr'\]"):
            w.add_hparams({"lr": 0.1}, {"m": 1.0}, hparam_domain_discrete={"lr": ["a"]})
    assert not (tmp_path / "bad").exists()


# --- files: log_dir, purge_step, flush/close, missing extra ------------------------------

def test_default_log_dir_like_torch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ours = SummaryWriter(comment="_lr0.1")
    theirs = TorchWriter(comment="_lr0.1")
    ours.close(), theirs.close()
    pattern = r"runs/[A-Z][a-z]{2}\d{2}_\d{2}-\d{2}-\d{2}_" + re.escape(socket.gethostname())
    for w in (ours, theirs):
        assert re.fullmatch(pattern + r"_lr0\.1", w.get_logdir().replace(os.sep, "/"))
        assert os.path.isdir(w.get_logdir())


def test_purge_step_hides_later_events_of_the_crashed_run(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for step in range(10):
            w.add_scalar("loss", float(step), step, walltime=100.0 + step)
    with SummaryWriter(tmp_path, purge_step=5) as w:  # restarted from step 5
        for step in range(5, 8):
            w.add_scalar("loss", step + 0.5, step, walltime=200.0 + step)
    events = read(tmp_path).Scalars("loss")
    assert [e.step for e in events] == [0, 1, 2, 3, 4, 5, 6, 7]
    assert [e.value for e in events] == [0, 1, 2, 3, 4, 5.5, 6.5, 7.5]


def test_flush_close_and_reopen(tmp_path):
    w = SummaryWriter(tmp_path, filename_suffix=".dg", flush_secs=3600)
    w.add_scalar("a", 1.0, 0)
    w.flush()
    assert [e.value for e in read(tmp_path).Scalars("a")] == [1.0]  # on disk before close
    w.close()
    w.close()  # closing twice is harmless
    w.add_scalar("a", 2.0, 1)  # a new event file after close
    w.close()
    files = sorted(f for f in os.listdir(tmp_path) if f.startswith("events.out.tfevents"))
    assert len(files) == 2 and all(f.endswith(".dg") for f in files)
    assert [e.value for e in read(tmp_path).Scalars("a")] == [1.0, 2.0]
    assert w.get_logdir() == tmp_path


def test_missing_tensorboard_names_the_extra(tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "tensorboard" or m.startswith("tensorboard.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    with pytest.raises(ImportError, match=re.escape("pip install deepgrad[tensorboard]")):
        SummaryWriter(tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_add_figure_without_matplotlib_names_the_extra(tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(ImportError, match=re.escape("pip install deepgrad[plot]")):
            w.add_figure("fig", object())
