"""BatchNorm, LayerNorm, GroupNorm and InstanceNorm against torch.nn in float64.

Each module is built with the same weights as its torch twin (copied through
state_dict); outputs, input gradients, parameter gradients and the running buffers are
compared after several training steps, then in eval mode.
"""
import numpy as np
import pytest

import deepgrad
import deepgrad.nn.functional as F
from deepgrad import nn
from deepgrad.autograd import gradcheck, gradgradcheck
from tests.conftest import assert_close, to_torch

torch = pytest.importorskip("torch")
tnn = torch.nn


def _rand(*shape, seed=0, scale=1.0, shift=0.0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape) * scale + shift


def _twin(ours, theirs, seed=1):
    """Random parameters in torch's module, copied into ours through state_dict."""
    theirs = theirs.double()
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)) * 0.5 + 1.0))
    ours = ours.double()
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _step(ours, theirs, x_np, g_np):
    """One forward/backward of both modules; compare output, grads and buffers."""
    x = deepgrad.tensor(x_np, requires_grad=True)
    tx = to_torch(x)
    y, ty = ours(x), theirs(tx)
    assert_close(y, ty, msg="output")
    y.backward(deepgrad.tensor(g_np))
    ty.backward(torch.from_numpy(g_np))
    assert_close(x.grad, tx.grad, msg="input grad")
    for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        assert_close(p.grad, tp.grad, msg=f"{name} grad")
    for (name, b), (tname, tb) in zip(ours.named_buffers(), theirs.named_buffers()):
        assert name == tname
        assert_close(b, tb, rtol=0, atol=0, msg=name) if b.dtype == deepgrad.int64 else \
            assert_close(b, tb, msg=name)
    ours.zero_grad()
    theirs.zero_grad()


BN_CASES = [
    (nn.BatchNorm1d, tnn.BatchNorm1d, (16, 5)),
    (nn.BatchNorm1d, tnn.BatchNorm1d, (6, 5, 7)),
    (nn.BatchNorm2d, tnn.BatchNorm2d, (4, 5, 3, 6)),
]


@pytest.mark.parametrize("ours_cls,theirs_cls,shape", BN_CASES)
@pytest.mark.parametrize("momentum", [0.1, 0.35, None])
@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_train_steps_then_eval(ours_cls, theirs_cls, shape, momentum, affine):
    c = shape[1]
    ours, theirs = _twin(ours_cls(c, momentum=momentum, affine=affine),
                         theirs_cls(c, momentum=momentum, affine=affine))
    for step in range(4):  # running buffers and num_batches_tracked after several steps
        _step(ours, theirs, _rand(*shape, seed=10 + step, scale=2.0, shift=step),
              _rand(*shape, seed=20 + step))
    assert int(ours.num_batches_tracked.item()) == 4
    ours.eval()
    theirs.eval()
    _step(ours, theirs, _rand(*shape, seed=99, scale=3.0), _rand(*shape, seed=98))


@pytest.mark.parametrize("ours_cls,theirs_cls,shape", BN_CASES)
def test_batchnorm_affine_without_bias(ours_cls, theirs_cls, shape):
    c = shape[1]
    ours, theirs = _twin(ours_cls(c, bias=False), theirs_cls(c, bias=False))
    assert ours.bias is None and repr(ours) == repr(theirs)
    for step in range(2):
        _step(ours, theirs, _rand(*shape, seed=step), _rand(*shape, seed=5 + step))


@pytest.mark.parametrize("ours_cls,theirs_cls,shape", BN_CASES[:2])
def test_batchnorm_without_running_stats_uses_batch_stats_in_eval(ours_cls, theirs_cls, shape):
    c = shape[1]
    ours, theirs = _twin(ours_cls(c, track_running_stats=False),
                         theirs_cls(c, track_running_stats=False))
    assert ours.running_mean is None and ours.num_batches_tracked is None
    _step(ours, theirs, _rand(*shape, seed=3), _rand(*shape, seed=4))
    ours.eval()
    theirs.eval()
    _step(ours, theirs, _rand(*shape, seed=5), _rand(*shape, seed=6))


def test_batchnorm_float32_keeps_dtype_and_matches():
    x = _rand(64, 8, seed=1, scale=3.0, shift=2.0).astype(np.float32)
    bn, tbn = nn.BatchNorm1d(8), tnn.BatchNorm1d(8)
    y = bn(deepgrad.tensor(x))
    ty = tbn(torch.from_numpy(x))
    assert y.dtype == deepgrad.float32 and bn.running_var.dtype == deepgrad.float32
    assert_close(y, ty, rtol=1e-4, atol=1e-5)
    assert_close(bn.running_var, tbn.running_var, rtol=1e-5, atol=1e-6)


def test_batchnorm_running_var_is_unbiased_closed_form():
    x = _rand(5, 3, seed=7)
    bn = nn.BatchNorm1d(3, momentum=1.0).double()
    bn(deepgrad.tensor(x))
    assert_close(bn.running_mean, x.mean(0))
    assert_close(bn.running_var, x.var(0, ddof=1))


def test_batchnorm_functional_weight_only_and_eval():
    x = _rand(6, 4, 3, seed=1)
    w, rm, rv = _rand(4, seed=2), _rand(4, seed=3), _rand(4, seed=4) ** 2 + 0.5
    dx, dw = deepgrad.tensor(x, requires_grad=True), deepgrad.tensor(w, requires_grad=True)
    tx, tw = to_torch(dx), to_torch(dw)
    for training in (True, False):
        y = F.batch_norm(dx, deepgrad.tensor(rm), deepgrad.tensor(rv), dw, None, training)
        ty = torch.nn.functional.batch_norm(tx, torch.tensor(rm), torch.tensor(rv), tw, None,
                                            training)
        assert_close(y, ty)
        gx, gw = deepgrad.autograd.grad((y * y).sum(), (dx, dw))
        tgx, tgw = torch.autograd.grad((ty * ty).sum(), (tx, tw))
        assert_close(gx, tgx)
        assert_close(gw, tgw)


@pytest.mark.parametrize("shape,normalized", [((4, 6), (6,)), ((3, 4, 5), (4, 5)),
                                              ((2, 3, 4), 4)])
@pytest.mark.parametrize("affine,bias", [(True, True), (True, False), (False, False)])
def test_layernorm(shape, normalized, affine, bias):
    ours, theirs = _twin(nn.LayerNorm(normalized, elementwise_affine=affine, bias=bias),
                         tnn.LayerNorm(normalized, elementwise_affine=affine, bias=bias))
    _step(ours, theirs, _rand(*shape, seed=1, scale=2.0, shift=1.0), _rand(*shape, seed=2))
    ours.eval()
    theirs.eval()
    _step(ours, theirs, _rand(*shape, seed=3), _rand(*shape, seed=4))


@pytest.mark.parametrize("groups,shape", [(1, (3, 6, 4)), (2, (3, 6, 2, 3)), (6, (2, 6, 5))])
@pytest.mark.parametrize("affine,bias", [(True, True), (True, False), (False, True)])
def test_groupnorm(groups, shape, affine, bias):
    ours, theirs = _twin(nn.GroupNorm(groups, shape[1], affine=affine, bias=bias),
                         tnn.GroupNorm(groups, shape[1], affine=affine, bias=bias))
    _step(ours, theirs, _rand(*shape, seed=5, scale=2.0, shift=-1.0), _rand(*shape, seed=6))


INSTANCE_CASES = [(nn.InstanceNorm1d, tnn.InstanceNorm1d, (3, 4, 7)),
                  (nn.InstanceNorm1d, tnn.InstanceNorm1d, (4, 7)),
                  (nn.InstanceNorm2d, tnn.InstanceNorm2d, (2, 4, 3, 5))]


@pytest.mark.parametrize("ours_cls,theirs_cls,shape", INSTANCE_CASES)
@pytest.mark.parametrize("affine,track", [(False, False), (True, False), (True, True),
                                          (False, True)])
def test_instancenorm(ours_cls, theirs_cls, shape, affine, track):
    c = shape[-2] if len(shape) == 2 else shape[1]
    ours, theirs = _twin(ours_cls(c, affine=affine, track_running_stats=track),
                         theirs_cls(c, affine=affine, track_running_stats=track))
    for step in range(3):
        _step(ours, theirs, _rand(*shape, seed=step, scale=2.0, shift=step),
              _rand(*shape, seed=10 + step))
    ours.eval()
    theirs.eval()
    _step(ours, theirs, _rand(*shape, seed=50), _rand(*shape, seed=51))


def test_instancenorm_defaults_match_torch():
    m = nn.InstanceNorm2d(3)
    assert m.affine is False and m.track_running_stats is False
    assert m.weight is None and m.running_mean is None
    assert repr(m) == repr(tnn.InstanceNorm2d(3))


# --- double backward and finite differences --------------------------------------------
def _double_backward(fn, tfn, x_np, params_np):
    """grad of sum(grad^2) of sum(y^3): second derivatives through the normalisation."""
    ours = [deepgrad.tensor(a, requires_grad=True) for a in (x_np, *params_np)]
    theirs = [to_torch(t) for t in ours]
    y, ty = fn(*ours), tfn(*theirs)
    grads = deepgrad.autograd.grad((y ** 3).sum(), ours, create_graph=True)
    tgrads = torch.autograd.grad((ty ** 3).sum(), theirs, create_graph=True)
    for g, tg in zip(grads, tgrads):
        assert_close(g, tg, msg="first derivative")
    s = sum((g * g).sum() for g in grads)
    ts = sum((g * g).sum() for g in tgrads)
    second = deepgrad.autograd.grad(s, ours)
    tsecond = torch.autograd.grad(ts, theirs)
    for g, tg in zip(second, tsecond):
        assert_close(g, tg, rtol=1e-6, atol=1e-8, msg="second derivative")


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)])
def test_batch_norm_double_backward_matches_torch(shape):
    c = shape[1]
    _double_backward(
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda x, w, b: torch.nn.functional.batch_norm(x, None, None, w, b, training=True),
        _rand(*shape, seed=1, scale=2.0), (_rand(c, seed=2), _rand(c, seed=3)))


def test_layer_norm_double_backward_matches_torch():
    _double_backward(
        lambda x, w, b: F.layer_norm(x, (3, 4), w, b),
        lambda x, w, b: torch.nn.functional.layer_norm(x, (3, 4), w, b),
        _rand(2, 3, 4, seed=4, scale=2.0), (_rand(3, 4, seed=5), _rand(3, 4, seed=6)))


def test_group_and_instance_norm_double_backward_match_torch():
    _double_backward(lambda x, w, b: F.group_norm(x, 2, w, b),
                     lambda x, w, b: torch.nn.functional.group_norm(x, 2, w, b),
                     _rand(2, 4, 3, seed=7), (_rand(4, seed=8), _rand(4, seed=9)))
    _double_backward(lambda x: F.instance_norm(x), lambda x: torch.nn.functional.instance_norm(x),
                     _rand(2, 3, 5, seed=10), ())


def _leaf(*shape, seed):
    return deepgrad.tensor(_rand(*shape, seed=seed), requires_grad=True)


@pytest.mark.parametrize("fn,args", [
    (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
     lambda: (_leaf(5, 3, seed=1), _leaf(3, seed=2), _leaf(3, seed=3))),
    (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
     lambda: (_leaf(3, 2, 4, seed=1), _leaf(2, seed=2), _leaf(2, seed=3))),
    (lambda x, w, b: F.layer_norm(x, (4,), w, b),
     lambda: (_leaf(3, 4, seed=4), _leaf(4, seed=5), _leaf(4, seed=6))),
    (lambda x, w, b: F.group_norm(x, 2, w, b),
     lambda: (_leaf(2, 4, 3, seed=7), _leaf(4, seed=8), _leaf(4, seed=9))),
    (lambda x: F.instance_norm(x), lambda: (_leaf(2, 3, 4, seed=10),)),
])
def test_gradcheck_and_gradgradcheck(fn, args):
    inputs = args()
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


# --- buffers, reset, repr, state_dict, errors -------------------------------------------
def test_state_dict_keys_and_repr_match_torch():
    for ours, theirs in [(nn.BatchNorm1d(4), tnn.BatchNorm1d(4)),
                         (nn.BatchNorm2d(3, affine=False, momentum=None),
                          tnn.BatchNorm2d(3, affine=False, momentum=None)),
                         (nn.LayerNorm((2, 3), eps=1e-3), tnn.LayerNorm((2, 3), eps=1e-3)),
                         (nn.GroupNorm(2, 4), tnn.GroupNorm(2, 4))]:
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert repr(ours) == repr(theirs)
        for k, v in theirs.state_dict().items():
            assert_close(ours.state_dict()[k], v, msg=k)


def test_reset_running_stats_and_parameters():
    bn = nn.BatchNorm1d(3)
    bn(deepgrad.randn(8, 3) * 5 + 2)
    with deepgrad.no_grad():
        bn.weight.mul_(3.0)
    bn.reset_running_stats()
    assert_close(bn.running_mean, np.zeros(3, np.float32))
    assert_close(bn.running_var, np.ones(3, np.float32))
    assert int(bn.num_batches_tracked.item()) == 0
    assert_close(bn.weight, np.full(3, 3.0, np.float32))  # parameters untouched
    bn.reset_parameters()
    assert_close(bn.weight, np.ones(3, np.float32))
    assert_close(bn.bias, np.zeros(3, np.float32))


def test_bad_inputs_give_clear_errors():
    with pytest.raises(ValueError, match="expected input with 4 channels.*got 3"):
        nn.BatchNorm1d(4)(deepgrad.randn(8, 3))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.BatchNorm1d(4)(deepgrad.randn(2, 4, 3, 3))
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(4)(deepgrad.randn(2, 4, 3))
    bn = nn.BatchNorm1d(4)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(deepgrad.randn(1, 4))
    assert int(bn.num_batches_tracked.item()) == 0  # nothing changed by the failed call
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)
    with pytest.raises(RuntimeError, match="normalized_shape"):
        nn.LayerNorm(5)(deepgrad.randn(2, 4))
    with pytest.raises(ValueError, match="num_features"):
        nn.InstanceNorm1d(3, affine=True)(deepgrad.randn(2, 4, 5))
