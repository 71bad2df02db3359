"""The layers and functionals added for torch parity against torch 2.13 (float64): values,
gradients, module state_dict keys and reprs."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad
import deepgrad.nn.functional as DF
from deepgrad import nn

from ..conftest import assert_close


def _inputs(*shapes, seed=0, low=-2.0, high=2.0):
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(low, high, s) for s in shapes]
    return ([deepgrad.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def _check(fn_d, fn_t, *shapes, seed=0, low=-2.0, high=2.0):
    """Same forward values and same gradients for a random upstream gradient."""
    d_in, t_in = _inputs(*shapes, seed=seed, low=low, high=high)
    d_out, t_out = fn_d(*d_in), fn_t(*t_in)
    assert_close(d_out, t_out)
    g = np.random.default_rng(seed + 1).standard_normal(tuple(t_out.shape))
    d_out.backward(deepgrad.tensor(g))
    t_out.backward(torch.tensor(g))
    for d, t in zip(d_in, t_in):
        assert_close(d.grad, t.grad)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", [((2, 3, 5), (2, 1)), ((1, 2, 4, 5), (1, 2, 3, 0)),
                                        ((1, 1, 3, 4, 5), (1, 1, 2, 0, 1, 2))])
def test_pad_modes_match_torch(mode, shape, pad):
    _check(lambda x: DF.pad(x, pad, mode), lambda x: TF.pad(x, pad, mode), shape)


def test_pad_errors_match_torch():
    for lib, F in ((torch, TF), (deepgrad, DF)):
        with pytest.raises(RuntimeError):
            F.pad(lib.ones(1, 2, 3), (3, 0), "reflect")      # width must be < size
        with pytest.raises(NotImplementedError):
            F.pad(lib.ones(1, 2, 3), (1, 1), "bogus")


@pytest.mark.parametrize("cls,args,shape", [
    ("ZeroPad2d", ((1, 2, 0, 1),), (1, 2, 3, 3)), ("ConstantPad1d", (2, 3.5), (2, 3, 4)),
    ("ConstantPad3d", (1, -1.0), (1, 1, 2, 2, 2)), ("ReflectionPad1d", (2,), (2, 3, 5)),
    ("ReflectionPad2d", ((1, 0, 2, 1),), (1, 2, 4, 4)), ("ReplicationPad2d", (2,), (1, 1, 3, 3)),
    ("ReplicationPad3d", (1,), (1, 1, 2, 3, 3)), ("CircularPad1d", (1,), (1, 2, 4)),
    ("CircularPad2d", ((1, 2, 0, 1),), (1, 1, 3, 4)), ("ZeroPad1d", (1,), (2, 3)),
])
def test_padding_layers_match_torch(cls, args, shape):
    d_layer, t_layer = getattr(nn, cls)(*args), getattr(torch.nn, cls)(*args)
    assert repr(d_layer) == repr(t_layer)
    _check(d_layer, t_layer, shape)


@pytest.mark.parametrize("fn,shape", [
    (lambda m, x: m.nn.functional.pixel_shuffle(x, 2), (2, 8, 3, 3)),
    (lambda m, x: m.nn.functional.pixel_shuffle(x, 3), (9, 2, 2)),
    (lambda m, x: m.nn.functional.pixel_unshuffle(x, 2), (1, 2, 4, 6)),
    (lambda m, x: m.nn.functional.channel_shuffle(x, 3), (2, 6, 2, 2)),
    (lambda m, x: m.nn.PixelShuffle(2)(x), (1, 4, 2, 3)),
    (lambda m, x: m.nn.PixelUnshuffle(2)(x), (1, 1, 4, 4)),
    (lambda m, x: m.nn.ChannelShuffle(2)(x), (1, 4, 3)),
    (lambda m, x: m.nn.Softmax2d()(x), (2, 3, 2, 2)),
    (lambda m, x: m.nn.Hardshrink(0.7)(x), (3, 4)),
    (lambda m, x: m.nn.Softshrink(0.7)(x), (3, 4)),
    (lambda m, x: m.nn.functional.rms_norm(x, (4,)), (3, 4)),
    (lambda m, x: m.nn.functional.rms_norm(x, (2, 4), eps=1e-3), (3, 2, 4)),
    (lambda m, x: m.nn.functional.local_response_norm(x, 3), (2, 5, 3)),
    (lambda m, x: m.nn.functional.local_response_norm(x, 2, 1e-2, 0.5, 2.0), (1, 4, 2, 2)),
    (lambda m, x: m.nn.LocalResponseNorm(4)(x), (2, 6, 3, 2)),
    (lambda m, x: m.nn.functional.pdist(x), (5, 3)),
    (lambda m, x: m.nn.functional.pdist(x, p=1), (4, 2)),
    (lambda m, x: m.nn.functional.relu_(x * 1), (3, 4)),
    (lambda m, x: m.nn.functional.leaky_relu_(x * 1, 0.2), (3, 4)),
    (lambda m, x: m.nn.functional.elu_(x * 1), (3, 4)),
    (lambda m, x: m.nn.functional.hardtanh_(x * 1, -0.5, 0.5), (3, 4)),
    (lambda m, x: m.nn.functional.threshold_(x * 1, 0.3, -1.0), (3, 4)),
    (lambda m, x: m.selu(x), (3, 4)),
    (lambda m, x: m.conv1d(x, m.ones(2, 3, 2, dtype=m.float64)), (1, 3, 5)),
])
def test_functionals_and_layers_match_torch(fn, shape):
    _check(lambda x: fn(deepgrad, x), lambda x: fn(torch, x), shape)


def test_rms_norm_module_matches_torch_with_loaded_weights():
    t_layer = torch.nn.RMSNorm([2, 3], eps=1e-4, dtype=torch.float64)
    with torch.no_grad():
        t_layer.weight.copy_(torch.linspace(0.5, 1.5, 6, dtype=torch.float64).reshape(2, 3))
    d_layer = nn.RMSNorm([2, 3], eps=1e-4, dtype=deepgrad.float64)
    assert list(d_layer.state_dict()) == list(t_layer.state_dict()) == ["weight"]
    assert repr(d_layer) == repr(t_layer)
    d_layer.load_state_dict({"weight": deepgrad.tensor(t_layer.weight.detach().numpy())})
    _check(d_layer, t_layer, (4, 2, 3))
    assert_close(d_layer.weight.grad, t_layer.weight.grad)
    assert nn.RMSNorm(3, elementwise_affine=False).weight is None


def test_distance_modules_match_torch():
    _check(nn.CosineSimilarity(dim=1), torch.nn.CosineSimilarity(dim=1), (3, 4), (3, 4))
    _check(nn.PairwiseDistance(p=3.0), torch.nn.PairwiseDistance(p=3.0), (3, 4), (3, 4))


@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_with_distance_loss_matches_torch(swap):
    def cos_distance(lib):
        return lambda a, b: 1.0 - lib.nn.functional.cosine_similarity(a, b)
    _check(nn.TripletMarginWithDistanceLoss(margin=0.5, swap=swap),
           torch.nn.TripletMarginWithDistanceLoss(margin=0.5, swap=swap), (4, 3), (4, 3), (4, 3))
    _check(lambda a, p, n: DF.triplet_margin_with_distance_loss(
               a, p, n, distance_function=cos_distance(deepgrad), reduction="sum"),
           lambda a, p, n: TF.triplet_margin_with_distance_loss(
               a, p, n, distance_function=cos_distance(torch), reduction="sum"),
           (4, 3), (4, 3), (4, 3))


def test_gumbel_softmax_samples_are_distributions_and_hard_is_straight_through():
    logits = deepgrad.tensor(np.log([[0.7, 0.2, 0.1]] * 4000), requires_grad=True)
    deepgrad.manual_seed(0)
    soft = DF.gumbel_softmax(logits, tau=0.5)
    assert_close(soft.sum(-1), np.ones(4000))
    hard = DF.gumbel_softmax(logits, tau=0.5, hard=True)
    values = hard.detach().numpy()
    assert set(np.unique(values)) == {0.0, 1.0} and (values.sum(-1) == 1).all()
    # argmax of logits + Gumbel noise samples the softmax distribution (Gumbel-max trick)
    freq = values.mean(0)
    assert np.all(np.abs(freq - [0.7, 0.2, 0.1]) < 5 * np.sqrt(0.25 / 4000)), freq
    (hard * deepgrad.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert logits.grad is not None and np.abs(logits.grad.numpy()).sum() > 0


def test_nllloss2d_is_nllloss():
    x, t = np.random.default_rng(0).standard_normal((2, 3, 2, 2)), np.array([[[0, 1], [2, 0]]] * 2)
    with pytest.warns(Warning):
        theirs = torch.nn.NLLLoss2d()(torch.tensor(x), torch.tensor(t))
    ours = nn.NLLLoss2d()(deepgrad.tensor(x), deepgrad.tensor(t))
    assert_close(ours, theirs)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("inp,offsets,padding_idx,last", [
    ([0, 1, 2, 0, 5], [0, 2, 2], None, False),       # an empty middle bag
    ([0, 1, 2, 0, 5], [0, 2, 2], 0, False),          # padding entries left out
    ([[1, 2, 2], [3, 3, 9]], None, None, False),     # 2-D input: one bag per row
    ([4, 1, 2, 3], [0, 1, 4], None, True),           # include_last_offset
])
def test_embedding_bag_matches_torch(mode, inp, offsets, padding_idx, last):
    t_bag = torch.nn.EmbeddingBag(10, 3, mode=mode, padding_idx=padding_idx,
                                  include_last_offset=last, dtype=torch.float64)
    d_bag = nn.EmbeddingBag(10, 3, mode=mode, padding_idx=padding_idx,
                            include_last_offset=last, dtype=deepgrad.float64)
    assert repr(d_bag) == repr(t_bag)
    d_bag.load_state_dict({"weight": deepgrad.tensor(t_bag.weight.detach().numpy())})
    off_d = None if offsets is None else deepgrad.tensor(offsets)
    off_t = None if offsets is None else torch.tensor(offsets)
    d_out, t_out = d_bag(deepgrad.tensor(inp), off_d), t_bag(torch.tensor(inp), off_t)
    assert_close(d_out, t_out)
    g = np.random.default_rng(3).standard_normal(tuple(t_out.shape))
    d_out.backward(deepgrad.tensor(g))
    t_out.backward(torch.tensor(g))
    assert_close(d_bag.weight.grad, t_bag.weight.grad)


def test_embedding_bag_per_sample_weights_match_torch():
    w = np.random.default_rng(4).standard_normal((6, 2))
    psw = np.array([0.5, 2.0, -1.0, 3.0])
    args = ([1, 2, 4, 1], [0, 3])
    d_w, t_w = deepgrad.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    d_p, t_p = deepgrad.tensor(psw, requires_grad=True), torch.tensor(psw, requires_grad=True)
    d_out = DF.embedding_bag(*map(deepgrad.tensor, args[:1]), d_w, deepgrad.tensor(args[1]),
                             mode="sum", per_sample_weights=d_p)
    t_out = TF.embedding_bag(torch.tensor(args[0]), t_w, torch.tensor(args[1]), mode="sum",
                             per_sample_weights=t_p)
    assert_close(d_out, t_out)
    (d_out ** 2).sum().backward()
    (t_out ** 2).sum().backward()
    assert_close(d_w.grad, t_w.grad)
    assert_close(d_p.grad, t_p.grad)
    for lib, F in ((torch, TF), (deepgrad, DF)):
        with pytest.raises(NotImplementedError, match="per_sample_weights"):
            F.embedding_bag(lib.tensor([1, 2]), lib.ones(5, 2), lib.tensor([0]), mode="mean",
                            per_sample_weights=lib.ones(2))


@pytest.mark.parametrize("n,shape,kw", [
    (2, (2, 3, 4, 6), {"kernel_size": 2}),
    (2, (1, 2, 5, 5), {"kernel_size": 3, "stride": 2, "padding": 1}),
    (1, (2, 3, 8), {"kernel_size": 2}),
    (2, (3, 4, 4), {"kernel_size": 2}),                     # unbatched
])
def test_max_unpool_inverts_max_pool_like_torch(n, shape, kw):
    pool, unpool = f"max_pool{n}d", f"max_unpool{n}d"

    def run(F, lib, x):
        pooled, idx = getattr(F, pool)(x, return_indices=True, **kw)
        return getattr(F, unpool)(pooled * 2, idx, **kw)
    _check(lambda x: run(DF, deepgrad, x), lambda x: run(TF, torch, x), shape)


def test_max_unpool_module_with_output_size_matches_torch():
    x = np.random.default_rng(5).standard_normal((1, 1, 5, 5))
    outs = []
    for lib in (torch, deepgrad):
        pooled, idx = lib.nn.functional.max_pool2d(lib.tensor(x), 2, return_indices=True)
        outs.append(lib.nn.MaxUnpool2d(2)(pooled, idx, output_size=(1, 1, 5, 5)))
    assert repr(nn.MaxUnpool2d(2)) == repr(torch.nn.MaxUnpool2d(2))
    assert_close(outs[1], outs[0])


@pytest.mark.parametrize("layer,shape", [
    (lambda m: m.nn.LPPool2d(2, 2), (2, 3, 4, 4)),
    (lambda m: m.nn.LPPool2d(3.0, (2, 3), stride=1), (1, 2, 4, 5)),
    (lambda m: m.nn.LPPool1d(2, 3, stride=2), (2, 3, 7)),
])
def test_lp_pool_matches_torch(layer, shape):
    _check(layer(deepgrad), layer(torch), shape, low=0.2, high=2.0)
    assert repr(layer(deepgrad)) == repr(layer(torch))
