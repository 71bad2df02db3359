"""deepgrad.utils.tensorboard's model graphs and Projector embeddings, read back with
TensorBoard's own reader and compared with torch.utils.tensorboard's output."""
import numpy as np
import pytest

import deepgrad
from deepgrad.utils.tensorboard import SummaryWriter

from .tb_reading import both, decode_png, read, torch

# --- embeddings, graph ------------------------------------------------------------------

def test_add_embedding_files(tmp_path):
    from google.protobuf import text_format
    from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig
    mat = np.random.default_rng(4).normal(size=(5, 3))
    imgs = np.random.default_rng(5).random((5, 1, 2, 2))
    with SummaryWriter(tmp_path) as w:
        w.add_embedding(deepgrad.tensor(mat), metadata=list("abcde"), label_img=imgs,
                        global_step=7, tag="feat/x")
    config = text_format.Parse((tmp_path / "projector_config.pbtxt").read_text(),
                               ProjectorConfig())
    (info,) = config.embeddings
    assert info.tensor_name == "feat/x:00007"
    assert info.tensor_path == "00007/feat%2fx/tensors.tsv"
    np.testing.assert_array_equal(np.loadtxt(tmp_path / info.tensor_path, delimiter="\t"),
                                  mat)
    assert (tmp_path / info.metadata_path).read_text().split() == list("abcde")
    sprite = decode_png((tmp_path / info.sprite.image_path).read_bytes())
    assert sprite.shape == (3 * 2, 3 * 2, 3) and list(info.sprite.single_image_dim) == [2, 2]
    np.testing.assert_array_equal(sprite[2:4, 0:2, 0], (imgs[3, 0] * 255).astype(np.uint8))


def test_add_embedding_files_match_torch(tmp_path):
    rng = np.random.default_rng(6)
    mat = rng.normal(size=(5, 4))
    imgs = rng.integers(0, 256, size=(5, 3, 3, 3)) / 256  # exact in float32 and float64
    meta = [["a", 1], ["b", 2], ["c", 3], ["d", 4], ["e", 5]]

    def calls(w, lib):
        conv = lib.tensor if lib is deepgrad else torch.from_numpy
        w.add_embedding(conv(mat), metadata=meta, label_img=conv(imgs), global_step=2,
                        tag="emb", metadata_header=["letter", "number"])
        w.add_embedding(conv(mat[:, :2]), global_step=3)
    both(tmp_path, calls)
    ours, theirs = tmp_path / "deepgrad", tmp_path / "torch"
    for name in ("projector_config.pbtxt", "00002/emb/tensors.tsv", "00002/emb/metadata.tsv",
                 "00003/default/tensors.tsv"):
        assert (ours / name).read_bytes() == (theirs / name).read_bytes(), name
    np.testing.assert_array_equal(decode_png((ours / "00002/emb/sprite.png").read_bytes()),
                                  decode_png((theirs / "00002/emb/sprite.png").read_bytes()))


# --- graphs ---------------------------------------------------------------------------

def _net(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.act, self.fc2 = lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2)

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x)) * 2)
    return Net()


def _chain(graph, is_op):
    """The op nodes from the output back to the input: (module scope, output shape)."""
    nodes = {n.name: n for n in graph.node}
    out = []
    name = nodes["output/output.0" if "output/output.0" in nodes else "output/output.1"].input[0]
    while name in nodes and is_op(nodes[name]):
        node = nodes[name]
        shape = tuple(d.size for d in node.attr["_output_shapes"].list.shape[0].dim)
        out.append((name.rpartition("/")[0], shape))
        name = next(i for i in node.input if i in nodes and (is_op(nodes[i]) or
                                                             nodes[i].op == "IO Node"))
    return out[::-1]


@pytest.mark.filterwarnings("ignore:`torch.jit.trace")  # torch's own add_graph uses it
def test_add_graph_module_scopes_and_shapes_match_torch(tmp_path):
    ours, theirs = both(tmp_path, lambda w, lib: w.add_graph(_net(lib), lib.zeros(5, 3)))
    g, tg = ours.Graph(), theirs.Graph()
    chain = _chain(g, lambda n: n.op not in ("IO Node", "Parameter", "Constant"))
    assert chain == _chain(tg, lambda n: n.op.startswith("aten::")) == [
        ("Net/Linear[fc1]", (5, 4)), ("Net/ReLU[act]", (5, 4)), ("Net", (5, 4)),
        ("Net/Linear[fc2]", (5, 2))]
    params = {n.name for n in g.node if n.op == "Parameter"}
    torch_params = {n.name.rsplit("/", 1)[0] for n in tg.node if n.op == "prim::GetAttr"}
    assert params == torch_params == {f"Net/Linear[{m}]/{p}" for m in ("fc1", "fc2")
                                      for p in ("weight", "bias")}
    fc1 = next(n for n in g.node if n.name.startswith("Net/Linear[fc1]/Linear"))
    assert list(fc1.input) == ["input/input.0", "Net/Linear[fc1]/weight",
                               "Net/Linear[fc1]/bias"]


def test_add_graph_keeps_state_and_modes(tmp_path):
    nn = deepgrad.nn
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.Linear(4, 1))
    model.train()
    model[2].eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = deepgrad.randn(6, 3)
    with SummaryWriter(tmp_path) as w:
        w.add_graph(model, (x,))
    assert model.training and model[0].training and not model[2].training
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k].numpy(), err_msg=k)
    assert not x.requires_grad and x.grad is None
    names = [n.name for n in read(tmp_path).Graph().node]
    for scope in ("Linear[0]", "BatchNorm1d[1]", "Linear[3]"):  # eval: dropout is no op
        assert any(n.startswith(f"Sequential/{scope}/") and not n.endswith(("weight", "bias"))
                   for n in names), scope
    assert not any(n.startswith("Sequential/Dropout[2]/") for n in names)


def test_add_graph_several_inputs_and_integer_input(tmp_path):
    nn = deepgrad.nn

    class TwoInputs(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(10, 3)

        def forward(self, idx, scale):
            return self.emb(idx) * scale

    with SummaryWriter(tmp_path) as w:
        w.add_graph(TwoInputs(), (deepgrad.tensor([[1, 2], [3, 4]]), deepgrad.ones(1, 1, 3)))
    nodes = {n.name: n for n in read(tmp_path).Graph().node}
    assert nodes["input/input.0"].op == nodes["input/input.1"].op == "IO Node"
    (mul,) = [n for n in nodes.values() if n.name.startswith("TwoInputs/Mul")]
    assert "input/input.1" in mul.input
    (emb,) = [n for n in nodes.values() if n.name.startswith("TwoInputs/Embedding[emb]/")
              and n.op != "Parameter"]
    assert emb.name in mul.input


def test_add_graph_bad_input(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(ValueError, match="needs input_to_model"):
            w.add_graph(deepgrad.nn.Linear(2, 2))
        with pytest.raises(ValueError, match="no operation was recorded"):
            w.add_graph(deepgrad.nn.Identity(), deepgrad.tensor([1, 2]))
