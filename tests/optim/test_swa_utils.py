"""optim.swa_utils (AveragedModel, SWALR, update_bn, the averaging rules) against torch."""
import inspect
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
import torch.optim.swa_utils as tsu
import torch.utils.data as tdata

import deepgrad
import deepgrad.optim as doptim
import deepgrad.optim.swa_utils as dsu
import deepgrad.utils.data as ddata
from tests.conftest import assert_close

LIBS = {deepgrad: (doptim, dsu, ddata), torch: (torch.optim, tsu, tdata)}

RNG = np.random.default_rng(7)
X = RNG.normal(size=(32, 4))
Y = RNG.normal(size=(32, 2))
IMAGES = RNG.normal(size=(23, 2, 5, 5)) * 2.0 + 0.5
LABELS = RNG.integers(0, 3, size=23)


def _copy_from_torch(ours, theirs):
    """Give ``ours`` (deepgrad) the parameters and buffers of ``theirs`` (torch)."""
    ours.load_state_dict({k: deepgrad.tensor(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})


def _mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))


def _cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3, momentum=0.3),
                         nn.ReLU(), nn.Flatten(), nn.Linear(3 * 5 * 5, 4), nn.BatchNorm1d(4))


def _pair(factory, dtype="double"):
    """The same model in both libraries (torch's initial weights copied into deepgrad)."""
    theirs = getattr(factory(torch), dtype)()
    ours = getattr(factory(deepgrad), dtype)()
    _copy_from_torch(ours, theirs)
    return ours, theirs


def _train(lib, model, averaged, steps=6, dtype=np.float64):
    """SGD steps on an MSE loss, ``update_parameters`` after each."""
    opt = LIBS[lib][0].SGD(model.parameters(), lr=0.1, momentum=0.9)
    model.train()
    for i in range(steps):
        lo = (i % 4) * 8
        x, y = lib.tensor(X[lo:lo + 8].astype(dtype)), lib.tensor(Y[lo:lo + 8].astype(dtype))
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        opt.step()
        averaged.update_parameters(model)


def _assert_state_equal(ours, theirs, rtol=1e-6, atol=1e-12):
    o, t = ours.state_dict(), theirs.state_dict()
    assert list(o) == list(t)
    for name in t:
        assert o[name].dtype.name == str(t[name].dtype).replace("torch.", ""), name
        if t[name].is_floating_point():
            assert_close(o[name], t[name], rtol=rtol, atol=atol, msg=name)
        else:
            np.testing.assert_array_equal(o[name].numpy(), t[name].numpy(), err_msg=name)


def _custom_multi(avg_list, cur_list, n):
    for a, c in zip(avg_list, cur_list):
        a.copy_(0.75 * a + 0.25 * c)


# (id, AveragedModel keyword arguments given the library's swa_utils module)
AVERAGING = [
    ("swa", lambda m: {}),
    ("swa-buffers", lambda m: {"use_buffers": True}),
    ("swa-avg_fn", lambda m: {"avg_fn": m.get_swa_avg_fn()}),
    ("swa-multi", lambda m: {"multi_avg_fn": m.get_swa_multi_avg_fn()}),
    ("ema-multi", lambda m: {"multi_avg_fn": m.get_ema_multi_avg_fn(0.9)}),
    ("ema-multi-buffers", lambda m: {"multi_avg_fn": m.get_ema_multi_avg_fn(0.9),
                                     "use_buffers": True}),
    ("ema-avg_fn", lambda m: {"avg_fn": m.get_ema_avg_fn(0.9)}),
    ("ema-avg_fn-buffers", lambda m: {"avg_fn": m.get_ema_avg_fn(0.9), "use_buffers": True}),
    ("custom-avg_fn", lambda m: {"avg_fn": lambda a, c, n: (a * n + c) / (n + 1)}),
    ("custom-avg_fn-decay", lambda m: {"avg_fn": lambda a, c, n: 0.6 * a + 0.4 * c,
                                       "use_buffers": True}),
    ("custom-multi", lambda m: {"multi_avg_fn": _custom_multi, "use_buffers": True}),
]


@pytest.mark.parametrize("name,kwargs", AVERAGING, ids=[a[0] for a in AVERAGING])
def test_averaged_model_matches_torch(name, kwargs):
    ours, theirs = _pair(_mlp)
    avg = dsu.AveragedModel(ours, **kwargs(dsu))
    t_avg = tsu.AveragedModel(theirs, **kwargs(tsu))
    _train(deepgrad, ours, avg)
    _train(torch, theirs, t_avg)
    _assert_state_equal(ours, theirs)  # the trained models agree
    _assert_state_equal(avg, t_avg)  # so do the averages (n_averaged and buffers included)
    assert not np.allclose(avg.module[0].weight.detach().numpy(),
                           ours[0].weight.detach().numpy())  # the average is not the model
    assert int(avg.n_averaged) == int(t_avg.n_averaged) == 6
    assert avg.n_averaged.dtype == deepgrad.int64
    avg.eval()
    t_avg.eval()
    assert_close(avg(deepgrad.tensor(X)), t_avg(torch.tensor(X)), rtol=1e-6)


def test_averages_differ_from_model_and_follow_the_formula():
    """The SWA average is the mean of the snapshots; EMA the exponential average."""
    ours, _ = _pair(_mlp)
    swa = dsu.AveragedModel(ours)
    ema = dsu.AveragedModel(ours, multi_avg_fn=dsu.get_ema_multi_avg_fn(0.8))
    snapshots = []
    opt = doptim.SGD(ours.parameters(), lr=0.1)
    for i in range(4):
        opt.zero_grad()
        ((ours(deepgrad.tensor(X[:8])) - deepgrad.tensor(Y[:8])) ** 2).mean().backward()
        opt.step()
        swa.update_parameters(ours)
        ema.update_parameters(ours)
        snapshots.append(ours[0].weight.detach().numpy().copy())
    np.testing.assert_allclose(swa.module[0].weight.detach().numpy(),
                               np.mean(snapshots, axis=0), rtol=1e-12)
    expected = snapshots[0]
    for s in snapshots[1:]:
        expected = 0.8 * expected + 0.2 * s
    np.testing.assert_allclose(ema.module[0].weight.detach().numpy(), expected, rtol=1e-12)


def test_swa_multi_on_integer_buffers():
    """torch's get_swa_multi_avg_fn raises on int64 buffers; ours averages them as torch's
    default (per-tensor) rule does: truncated into the integer dtype."""
    ours, theirs = _pair(_mlp)
    avg = dsu.AveragedModel(ours, multi_avg_fn=dsu.get_swa_multi_avg_fn(), use_buffers=True)
    t_avg = tsu.AveragedModel(theirs, use_buffers=True)
    _train(deepgrad, ours, avg)
    _train(torch, theirs, t_avg)
    _assert_state_equal(avg, t_avg)
    assert int(avg.module[1].num_batches_tracked) == 1  # 1, 1.5, 1.67, ... truncated
    t_multi = tsu.AveragedModel(theirs, multi_avg_fn=tsu.get_swa_multi_avg_fn(),
                                use_buffers=True)
    t_multi.update_parameters(theirs)
    with pytest.raises(RuntimeError):
        t_multi.update_parameters(theirs)


def test_float32_model_stays_float32():
    ours, theirs = _pair(_mlp, dtype="float")
    avg, t_avg = dsu.AveragedModel(ours), tsu.AveragedModel(theirs)
    _train(deepgrad, ours, avg, dtype=np.float32)
    _train(torch, theirs, t_avg, dtype=np.float32)
    assert all(p.dtype == deepgrad.float32 for p in avg.parameters())
    _assert_state_equal(avg, t_avg, rtol=1e-4, atol=1e-6)


def test_copy_shares_no_memory_and_records_no_graph():
    ours, _ = _pair(_mlp)
    avg = dsu.AveragedModel(ours, device="cpu")
    assert avg.module is not ours
    for p, q in zip(avg.parameters(), ours.parameters()):
        assert p is not q and not np.shares_memory(p.detach().numpy(), q.detach().numpy())
        assert p.requires_grad and p.grad is None
    for b, c in zip(avg.module.buffers(), ours.buffers()):
        assert not np.shares_memory(b.numpy(), c.numpy())
    avg.update_parameters(ours)
    before = avg.module[0].weight.detach().numpy().copy()
    with deepgrad.no_grad():
        ours[0].weight.add_(1.0)
    np.testing.assert_array_equal(avg.module[0].weight.detach().numpy(), before)
    avg.update_parameters(ours)
    np.testing.assert_allclose(avg.module[0].weight.detach().numpy(), before + 0.5)
    assert all(p.grad_fn is None and p.is_leaf for p in avg.parameters())
    assert avg.n_averaged.device == deepgrad.device("cpu")


def test_buffers_follow_source_model_without_use_buffers():
    ours, _ = _pair(_mlp)
    avg = dsu.AveragedModel(ours)
    ours(deepgrad.tensor(X))  # training mode: moves the BatchNorm statistics
    avg.update_parameters(ours)
    ours(deepgrad.tensor(X[:10]))
    avg.update_parameters(ours)
    for b, c in zip(avg.module.buffers(), ours.buffers()):
        np.testing.assert_array_equal(b.numpy(), c.numpy())


def test_state_dict_round_trip_and_keys():
    ours, theirs = _pair(_mlp)
    avg, t_avg = dsu.AveragedModel(ours), tsu.AveragedModel(theirs)
    assert list(avg.state_dict()) == list(t_avg.state_dict())
    _train(deepgrad, ours, avg, steps=3)
    saved = pickle.loads(pickle.dumps(avg.state_dict()))
    fresh = dsu.AveragedModel(_mlp(deepgrad).double())
    fresh.load_state_dict(saved)
    assert int(fresh.n_averaged) == 3
    for (k, a), b in zip(fresh.state_dict().items(), avg.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)


def test_averaged_model_errors_match_torch():
    for lib, m in ((torch, tsu), (deepgrad, dsu)):
        with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn should "
                                                 "be provided"):
            m.AveragedModel(lib.nn.Linear(2, 2), avg_fn=m.get_swa_avg_fn(),
                            multi_avg_fn=m.get_swa_multi_avg_fn())


@pytest.mark.parametrize("factory", ["get_ema_multi_avg_fn", "get_ema_avg_fn"])
@pytest.mark.parametrize("decay", [-0.1, 1.5])
def test_invalid_decay_matches_torch(factory, decay):
    with pytest.raises(ValueError) as theirs:
        getattr(tsu, factory)(decay)
    with pytest.raises(ValueError) as ours:
        getattr(dsu, factory)(decay)
    assert str(ours.value) == str(theirs.value)
    assert str(decay) in str(ours.value)


def test_avg_fns_match_torch_on_tensors():
    a, c = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
    for name, args in [("get_swa_avg_fn", ()), ("get_ema_avg_fn", (0.7,))]:
        for n in (1, 4):
            ours = getattr(dsu, name)(*args)(deepgrad.tensor(a), deepgrad.tensor(c),
                                             deepgrad.tensor(n))
            theirs = getattr(tsu, name)(*args)(torch.tensor(a), torch.tensor(c),
                                               torch.tensor(n))
            assert_close(ours, theirs, rtol=1e-12)
    for name, args in [("get_swa_multi_avg_fn", ()), ("get_ema_multi_avg_fn", (0.7,))]:
        for n in (1, 4):
            ours = [deepgrad.tensor(a), deepgrad.tensor(a[0])]
            theirs = [torch.tensor(a), torch.tensor(a[0])]
            getattr(dsu, name)(*args)(ours, [deepgrad.tensor(c), deepgrad.tensor(c[0])],
                                      deepgrad.tensor(n))
            getattr(tsu, name)(*args)(theirs, [torch.tensor(c), torch.tensor(c[0])],
                                      torch.tensor(n))
            for o, t in zip(ours, theirs, strict=True):
                assert_close(o, t, rtol=1e-6)


# --- SWALR ---------------------------------------------------------------------------------------

def _sgd(lib, lr=0.1):
    params = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
    return LIBS[lib][0].SGD([{"params": params[:1]}, {"params": params[1:], "lr": 0.05}],
                            lr=lr, momentum=0.9)


def _run(opt, sched, steps):
    rows = []
    for _ in range(steps):
        opt.step()
        sched.step()
        rows.append(list(sched.get_last_lr()) + [g["lr"] for g in opt.param_groups])
    return np.array(rows)


def _swalr_rates(lib, steps=20, **kw):
    opt = _sgd(lib)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = LIBS[lib][1].SWALR(opt, **kw)
        first = [g["lr"] for g in opt.param_groups]
        return np.array([first * 2] + _run(opt, sched, steps).tolist())


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 4, 10])
@pytest.mark.parametrize("swa_lr", [0.02, [0.02, 0.5]], ids=["scalar", "per-group"])
def test_swalr_matches_torch(strategy, anneal_epochs, swa_lr):
    kw = {"swa_lr": swa_lr, "anneal_epochs": anneal_epochs, "anneal_strategy": strategy}
    ours, theirs = _swalr_rates(deepgrad, **kw), _swalr_rates(torch, **kw)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    final = swa_lr if isinstance(swa_lr, list) else [swa_lr] * 2
    np.testing.assert_allclose(ours[-1, :2], final, rtol=1e-12)  # annealed to swa_lr
    if anneal_epochs > 1:
        assert not np.allclose(ours[1, :2], final)  # ... gradually


@pytest.mark.parametrize("strategy", ["cos", "linear"])
def test_swalr_after_another_schedule_matches_torch(strategy):
    """SWALR takes over from CosineAnnealingLR: it anneals from the rate left there."""
    seqs = []
    for lib in (deepgrad, torch):
        opt = _sgd(lib, lr=0.2)
        sched_mod, swa_mod = LIBS[lib][0].lr_scheduler, LIBS[lib][1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cosine = sched_mod.CosineAnnealingLR(opt, T_max=20)
            swa = swa_mod.SWALR(opt, swa_lr=0.03, anneal_epochs=5, anneal_strategy=strategy)
            rows = []
            for epoch in range(30):
                opt.step()
                (cosine if epoch < 12 else swa).step()
                rows.append([g["lr"] for g in opt.param_groups])
        seqs.append(np.array(rows))
    np.testing.assert_allclose(seqs[0], seqs[1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(seqs[0][-1], [0.03, 0.03], rtol=1e-12)


@pytest.mark.parametrize("strategy", ["cos", "linear"])
def test_swalr_state_dict_resumes(strategy):
    kw = {"swa_lr": [0.02, 0.5], "anneal_epochs": 8, "anneal_strategy": strategy}
    opt = _sgd(deepgrad)
    sched = dsu.SWALR(opt, **kw)
    full = _run(opt, sched, 20)
    opt = _sgd(deepgrad)
    sched = dsu.SWALR(opt, **kw)
    first = _run(opt, sched, 7)
    state = sched.state_dict()
    assert "optimizer" not in state and "anneal_func" not in state
    assert state["_anneal_strategy"] == strategy and state["anneal_epochs"] == 8
    saved = pickle.loads(pickle.dumps((opt.state_dict(), state)))
    opt2 = _sgd(deepgrad)
    other = "linear" if strategy == "cos" else "cos"
    sched2 = dsu.SWALR(opt2, swa_lr=0.3, anneal_epochs=2, anneal_strategy=other)
    opt2.load_state_dict(saved[0])
    sched2.load_state_dict(saved[1])
    assert sched2.anneal_epochs == 8 and sched2._anneal_strategy == strategy
    expected = sched2._cosine_anneal if strategy == "cos" else sched2._linear_anneal
    assert sched2.anneal_func is expected
    rest = _run(opt2, sched2, 13)
    np.testing.assert_array_equal(np.concatenate([first, rest]), full)
    t_keys = set(tsu.SWALR(_sgd(torch), swa_lr=0.1).state_dict())
    assert {"_anneal_strategy", "anneal_epochs", "base_lrs", "last_epoch",
            "_step_count", "_last_lr"} <= set(state) & t_keys


@pytest.mark.parametrize("kw", [{"swa_lr": 0.1, "anneal_strategy": "exp"},
                                {"swa_lr": 0.1, "anneal_strategy": None},
                                {"swa_lr": 0.1, "anneal_epochs": -1},
                                {"swa_lr": 0.1, "anneal_epochs": 2.5},
                                {"swa_lr": [0.1]},
                                {"swa_lr": [0.1, 0.2, 0.3]}],
                         ids=["strategy", "strategy-None", "epochs-negative", "epochs-float",
                              "too-few-lrs", "too-many-lrs"])
def test_swalr_errors_match_torch(kw):
    with pytest.raises(ValueError) as theirs:
        tsu.SWALR(_sgd(torch), **kw)
    with pytest.raises(ValueError) as ours:
        dsu.SWALR(_sgd(deepgrad), **kw)
    assert str(ours.value) == str(theirs.value)
    bad = kw.get("anneal_strategy", kw.get("anneal_epochs"))
    if bad is not None:
        assert str(bad) in str(ours.value)


def test_swalr_resume_needs_initial_lr():
    for lib in (torch, deepgrad):
        with pytest.raises(KeyError):
            LIBS[lib][1].SWALR(_sgd(lib), swa_lr=0.1, last_epoch=3)


# --- update_bn -----------------------------------------------------------------------------------

def _loader(lib, kind):
    x, y = lib.tensor(IMAGES), lib.tensor(LABELS)
    data = LIBS[lib][2]
    if kind == "dataloader-pairs":
        return data.DataLoader(data.TensorDataset(x, y), batch_size=6)
    if kind == "dataloader-tensors":
        return data.DataLoader(x, batch_size=6)
    if kind == "tuples":
        return [(x[i:i + 6], y[i:i + 6]) for i in range(0, 23, 6)]
    return [x[i:i + 6] for i in range(0, 23, 6)]


def _bn_layers(model):
    return [m for m in model.modules() if "BatchNorm" in type(m).__name__]


@pytest.mark.parametrize("kind", ["dataloader-pairs", "dataloader-tensors", "tuples", "tensors"])
@pytest.mark.parametrize("device", [None, "cpu"])
def test_update_bn_matches_torch(kind, device):
    ours, theirs = _pair(_cnn)
    for model, lib in ((ours, deepgrad), (theirs, torch)):
        model(lib.tensor(IMAGES[:9]))  # some non-trivial statistics to be replaced
        model.eval()
        LIBS[lib][1].update_bn(_loader(lib, kind), model, device=device)
    _assert_state_equal(ours, theirs)
    assert int(_bn_layers(ours)[0].num_batches_tracked) == 4  # 4 batches, counted afresh
    assert [bn.momentum for bn in _bn_layers(ours)] == [0.3, 0.1]
    assert not any(m.training for m in ours.modules())
    assert_close(ours(deepgrad.tensor(IMAGES)), theirs(torch.tensor(IMAGES)), rtol=1e-6)


def test_update_bn_is_the_mean_of_batch_statistics():
    model = deepgrad.nn.BatchNorm1d(3).double()
    batches = [deepgrad.tensor(RNG.normal(size=(n, 3)) * 3 + 1) for n in (4, 7, 5)]
    dsu.update_bn(batches, model)
    means = np.mean([b.numpy().mean(0) for b in batches], axis=0)
    variances = np.mean([b.numpy().var(0, ddof=1) for b in batches], axis=0)
    np.testing.assert_allclose(model.running_mean.numpy(), means, rtol=1e-12)
    np.testing.assert_allclose(model.running_var.numpy(), variances, rtol=1e-12)
    assert model.training and model.momentum == 0.1


def test_update_bn_keeps_training_mode_and_records_no_graph():
    ours, _ = _pair(_cnn)
    ours.train()
    dsu.update_bn(_loader(deepgrad, "tuples"), ours)
    assert all(m.training for m in ours.modules())
    assert all(b.grad_fn is None and not b.requires_grad for b in ours.buffers())


def test_update_bn_without_batchnorm_reads_nothing():
    def loader():
        raise AssertionError("the loader must not be read")
        yield
    model = deepgrad.nn.Sequential(deepgrad.nn.Linear(2, 2))
    model.eval()
    dsu.update_bn(loader(), model)
    assert not model.training


def test_update_bn_restores_momentum_on_error():
    ours, _ = _pair(_cnn)
    ours.eval()
    with pytest.raises(RuntimeError):
        dsu.update_bn([deepgrad.zeros(2, 3)], ours)  # wrong input rank for Conv2d
    assert [bn.momentum for bn in _bn_layers(ours)] == [0.3, 0.1]
    assert not ours.training


def test_full_swa_recipe_matches_torch():
    """Train, switch to SWALR, average each epoch, update_bn on the average: as torch."""
    ours, theirs = _pair(_mlp)
    results = []
    for lib, model in ((deepgrad, ours), (torch, theirs)):
        optim_mod, swa_mod, data = LIBS[lib]
        opt = optim_mod.SGD(model.parameters(), lr=0.1, momentum=0.9)
        swa_model = swa_mod.AveragedModel(model)
        cosine = optim_mod.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
        swa_sched = swa_mod.SWALR(opt, swa_lr=0.05, anneal_epochs=2)
        loader = data.DataLoader(data.TensorDataset(lib.tensor(X), lib.tensor(Y)),
                                 batch_size=8)
        lrs = []
        for epoch in range(8):
            for x, y in loader:
                opt.zero_grad()
                ((model(x) - y) ** 2).mean().backward()
                opt.step()
            if epoch >= 4:
                swa_model.update_parameters(model)
                swa_sched.step()
            else:
                cosine.step()
            lrs.append(opt.param_groups[0]["lr"])
        swa_mod.update_bn(loader, swa_model)
        results.append((swa_model, lrs))
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)
    _assert_state_equal(results[0][0], results[1][0])
    assert int(results[0][0].n_averaged) == 4


# --- API -----------------------------------------------------------------------------------------

def _signature(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("path", [
    "AveragedModel.__init__", "AveragedModel.forward", "AveragedModel.update_parameters",
    "SWALR.__init__", "SWALR.get_lr", "SWALR.state_dict", "SWALR.load_state_dict",
    "SWALR._get_initial_lr", "SWALR._cosine_anneal", "SWALR._linear_anneal", "update_bn",
    "get_ema_multi_avg_fn", "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"])
def test_signatures_match_torch(path):
    ours, theirs = dsu, tsu
    for part in path.split("."):
        ours, theirs = getattr(ours, part), getattr(theirs, part)
    assert _signature(ours) == _signature(theirs)


def test_public_names_match_torch():
    assert sorted(dsu.__all__) == sorted(tsu.__all__)
    assert issubclass(dsu.AveragedModel, deepgrad.nn.Module)
    assert issubclass(dsu.SWALR, doptim.lr_scheduler.LRScheduler)


def test_returned_functions_take_torch_arguments():
    pairs = [(dsu.get_ema_multi_avg_fn(), tsu.get_ema_multi_avg_fn()),
             (dsu.get_swa_multi_avg_fn(), tsu.get_swa_multi_avg_fn()),
             (dsu.get_ema_avg_fn(), tsu.get_ema_avg_fn()),
             (dsu.get_swa_avg_fn(), tsu.get_swa_avg_fn())]
    for ours, theirs in pairs:
        assert [p.name for p in inspect.signature(ours).parameters.values()] == \
            [p.name for p in inspect.signature(theirs).parameters.values()]


def test_swa_utils_does_not_import_torch():
    code = ("import sys, deepgrad.optim.swa_utils as s; s.AveragedModel; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
