"""Every loss, every option, against torch: value, gradients, and double backward."""
import numpy as np
import pytest

import deepgrad
import deepgrad.nn as nn
import deepgrad.nn.functional as F
from tests.conftest import assert_close

torch = pytest.importorskip("torch")
TF = torch.nn.functional
REDUCTIONS = ["none", "mean", "sum"]
rng = np.random.default_rng(0)


def _pair(a, grad):
    """(deepgrad, torch) versions of a numpy array; floats require grad if ``grad``."""
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return (deepgrad.tensor(a, requires_grad=grad),
                torch.from_numpy(a.copy()).requires_grad_(grad))
    return deepgrad.tensor(a), torch.from_numpy(a.copy())


def check(ours_fn, torch_fn, arrays, grad=(0,), double=True, kw=None, tkw=None):
    """Compare value, first gradients (weighted by a random cotangent) and a second-order
    gradient (d/dx of the squared first gradients) for the inputs listed in ``grad``."""
    kw = kw or {}
    tkw = tkw if tkw is not None else kw
    pairs = [_pair(a, i in grad) for i, a in enumerate(arrays)]
    ours = [p[0] for p in pairs]
    theirs = [p[1] for p in pairs]
    conv = {k: (deepgrad.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    tconv = {k: (torch.from_numpy(v.copy()) if isinstance(v, np.ndarray) else v)
             for k, v in tkw.items()}
    y, yt = ours_fn(*ours, **conv), torch_fn(*theirs, **tconv)
    assert_close(y, yt, msg="value")
    cot = rng.standard_normal(tuple(yt.shape))
    xs, xts = [ours[i] for i in grad], [theirs[i] for i in grad]
    g = deepgrad.autograd.grad((y * deepgrad.tensor(cot)).sum(), xs, create_graph=double)
    gt = torch.autograd.grad((yt * torch.from_numpy(cot)).sum(), xts, create_graph=double)
    for a, b in zip(g, gt):
        assert_close(a, b, msg="grad")
    if not double:
        return
    total_t = sum((b ** 2).sum() for b in gt)
    if not total_t.requires_grad:
        return
    ggt = torch.autograd.grad(total_t, xts, allow_unused=True)
    total = sum((a ** 2).sum() for a in g)
    if total.requires_grad:
        gg = deepgrad.autograd.grad(total, xs, allow_unused=True)
    else:
        gg = [None] * len(xs)
    for a, b, x in zip(gg, ggt, xs):
        a = np.zeros(x.shape) if a is None else a
        b = np.zeros(x.shape) if b is None else b.detach().numpy(force=True)  # ZeroTensor
        assert_close(a, b, msg="double backward")


def randn(*shape):
    return rng.standard_normal(shape)


# --- regression --------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", [("mse_loss", {}), ("l1_loss", {}),
                                     ("smooth_l1_loss", {"beta": 0.6}),
                                     ("smooth_l1_loss", {"beta": 0.0}),
                                     ("huber_loss", {"delta": 0.7})])
def test_regression_losses(name, kw, reduction):
    check(getattr(F, name), getattr(TF, name), [randn(4, 5), randn(4, 5)], grad=(0, 1),
          kw=dict(kw, reduction=reduction))


# --- cross-entropy / nll -------------------------------------------------------------------

def _labels(n, c, ignore=False, shape=None):
    t = rng.integers(0, c, shape or (n,))
    if ignore:
        t.reshape(-1)[::3] = -100
    return t


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.15])
def test_cross_entropy_index_targets(reduction, weight, ignore, smoothing):
    kw = {"reduction": reduction, "label_smoothing": smoothing}
    if weight:
        kw["weight"] = rng.uniform(0.2, 2.0, 5)
    check(F.cross_entropy, TF.cross_entropy, [randn(7, 5) * 3, _labels(7, 5, ignore)], kw=kw)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_k_dimensional(reduction, smoothing):
    kw = {"reduction": reduction, "label_smoothing": smoothing, "weight": rng.uniform(0.5, 2, 4),
          "ignore_index": 2}
    check(F.cross_entropy, TF.cross_entropy,
          [randn(3, 4, 2, 5), _labels(3, 4, shape=(3, 2, 5))], kw=kw)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_ignore_index_that_is_a_valid_class(reduction):
    t = np.array([0, 1, 2, 1, 3, 1])
    check(F.cross_entropy, TF.cross_entropy, [randn(6, 4), t],
          kw={"reduction": reduction, "ignore_index": 1})


def test_cross_entropy_unbatched():
    check(F.cross_entropy, TF.cross_entropy, [randn(6), np.array(4)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_probability_targets(reduction, weight, smoothing):
    kw = {"reduction": reduction, "label_smoothing": smoothing}
    if weight:
        kw["weight"] = rng.uniform(0.2, 2.0, 4)
    probs = rng.dirichlet(np.ones(4), size=6)
    check(F.cross_entropy, TF.cross_entropy, [randn(6, 4), probs], grad=(0, 1), kw=kw)
    probs_k = rng.dirichlet(np.ones(4), size=(2, 3)).transpose(0, 2, 1).copy()
    check(F.cross_entropy, TF.cross_entropy, [randn(2, 4, 3), probs_k], grad=(0, 1), kw=kw)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("kdim", [False, True])
def test_nll_loss(reduction, weight, kdim):
    kw = {"reduction": reduction, "ignore_index": 1}
    if weight:
        kw["weight"] = rng.uniform(0.2, 2.0, 5)
    shape, tshape = ((4, 5, 3), (4, 3)) if kdim else ((6, 5), (6,))
    check(F.nll_loss, TF.nll_loss, [randn(*shape), _labels(0, 5, shape=tshape)], kw=kw)


def test_cross_entropy_bad_targets_name_the_values():
    x = deepgrad.randn(4, 3)
    with pytest.raises(RuntimeError, match=r"integer dtype.*float32.*\[4\].*long\(\)"):
        F.cross_entropy(x, deepgrad.tensor([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(IndexError, match=r"\[3, 7\].*\[0, 2\]"):
        F.cross_entropy(x, deepgrad.tensor([0, 3, 7, 1]))
    with pytest.raises(IndexError, match="out of bounds"):
        F.nll_loss(x, deepgrad.tensor([0, -1, 1, 1]))
    with pytest.raises(ValueError, match=r"expected target shape \[4\]"):
        F.cross_entropy(x, deepgrad.tensor([0, 1]))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, deepgrad.tensor([0, 1, 2, 0]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.cross_entropy(x, deepgrad.tensor([0, 1, 2, 0]), reduction="avg")


def test_cross_entropy_float32_fast_path_dtype():
    x = deepgrad.randn(8, 10, requires_grad=True)
    loss = F.cross_entropy(x, deepgrad.randint(0, 10, (8,)))
    loss.backward()
    assert loss.dtype == deepgrad.float32 and x.grad.dtype == deepgrad.float32


# --- binary ----------------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [False, True])
def test_binary_cross_entropy(reduction, weight):
    kw = {"reduction": reduction}
    if weight:
        kw["weight"] = rng.uniform(0.5, 2, (3, 4))
    check(F.binary_cross_entropy, TF.binary_cross_entropy,
          [rng.uniform(0.05, 0.95, (3, 4)), rng.uniform(0, 1, (3, 4))], grad=(0, 1), kw=kw)


def test_binary_cross_entropy_rejects_out_of_range():
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(deepgrad.tensor([0.5, 1.5]), deepgrad.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="target size"):
        F.binary_cross_entropy(deepgrad.tensor([0.5, 0.5]), deepgrad.tensor([0.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("pos_weight", [False, True])
def test_bce_with_logits(reduction, weight, pos_weight):
    kw = {"reduction": reduction}
    if weight:
        kw["weight"] = rng.uniform(0.5, 2, (3, 4))
    if pos_weight:
        kw["pos_weight"] = rng.uniform(0.5, 3, 4)
    x = randn(3, 4) * 4
    x[0, :2] = [60.0, -60.0]  # stable for large logits
    check(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
          [x, rng.uniform(0, 1, (3, 4))], grad=(0, 1), kw=kw)


@pytest.mark.filterwarnings("ignore:reduction")
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    inp = np.log(rng.dirichlet(np.ones(5), size=4))
    tgt = rng.dirichlet(np.ones(5), size=4)
    if log_target:
        tgt = np.log(rng.dirichlet(np.ones(5), size=4))
    check(F.kl_div, TF.kl_div, [inp, tgt], grad=(0, 1),
          kw={"reduction": reduction, "log_target": log_target})
    if not log_target:  # 0 log 0 = 0 (the target's gradient is infinite there: not compared)
        tgt[0, 0] = 0.0
        check(F.kl_div, TF.kl_div, [inp, tgt], grad=(0,), kw={"reduction": reduction})


# --- margin / embedding / ranking ----------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,margin,weight", [(1, 1.0, False), (2, 0.5, True), (1, 2.0, True)])
def test_multi_margin(reduction, p, margin, weight):
    kw = {"reduction": reduction, "p": p, "margin": margin}
    if weight:
        kw["weight"] = rng.uniform(0.5, 2, 5)
    check(F.multi_margin_loss, TF.multi_margin_loss, [randn(6, 5), _labels(6, 5)], kw=kw,
          double=False)  # torch has no double backward for it
    x = deepgrad.tensor(randn(6, 5), requires_grad=True)  # our double backward: finite diffs
    labels = deepgrad.tensor(_labels(6, 5))
    assert deepgrad.autograd.gradgradcheck(
        lambda v: F.multi_margin_loss(v, labels, p=2, margin=margin), (x,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin(reduction):
    t = np.array([[3, 0, -1, 1], [1, 2, 3, -1], [0, 0, 0, 0], [-1, 2, 1, 0]])
    check(F.multilabel_margin_loss, TF.multilabel_margin_loss, [randn(4, 4), t],
          kw={"reduction": reduction}, double=False)
    check(F.multilabel_margin_loss, TF.multilabel_margin_loss, [randn(4), t[0]], double=False)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [False, True])
def test_multilabel_soft_margin(reduction, weight):
    kw = {"reduction": reduction}
    if weight:
        kw["weight"] = rng.uniform(0.5, 2, 5)
    check(F.multilabel_soft_margin_loss, TF.multilabel_soft_margin_loss,
          [randn(4, 5), rng.integers(0, 2, (4, 5)).astype(float)], kw=kw)


def _signs(*shape):
    return rng.choice([-1.0, 1.0], shape)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_soft_margin_ranking(reduction):
    kw = {"reduction": reduction}
    check(F.hinge_embedding_loss, TF.hinge_embedding_loss, [randn(4, 5), _signs(4, 5)],
          kw=dict(kw, margin=0.7))
    check(F.soft_margin_loss, TF.soft_margin_loss, [randn(4, 5), _signs(4, 5)], kw=kw)
    check(F.margin_ranking_loss, TF.margin_ranking_loss, [randn(6), randn(6), _signs(6)],
          grad=(0, 1), kw=dict(kw, margin=0.3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.4])
def test_cosine_embedding(reduction, margin):
    check(F.cosine_embedding_loss, TF.cosine_embedding_loss, [randn(5, 3), randn(5, 3), _signs(5)],
          grad=(0, 1), kw={"reduction": reduction, "margin": margin})


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap", [(2, False), (1, True), (3, False), (2, True)])
def test_triplet_margin(reduction, p, swap):
    check(F.triplet_margin_loss, TF.triplet_margin_loss, [randn(6, 4), randn(6, 4), randn(6, 4)],
          grad=(0, 1, 2), kw={"reduction": reduction, "p": p, "swap": swap, "margin": 1.5})


# --- likelihoods -----------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input,full", [(True, False), (False, False), (True, True),
                                            (False, True)])
def test_poisson_nll(reduction, log_input, full):
    x = randn(4, 5) if log_input else rng.uniform(0.1, 3, (4, 5))
    counts = rng.poisson(2.0, (4, 5)).astype(float)
    # full=True: torch's target gradient is nan at count 0 (0 * log 0), so only the input's
    check(F.poisson_nll_loss, TF.poisson_nll_loss, [x, counts], grad=(0,) if full else (0, 1),
          kw={"reduction": reduction, "log_input": log_input, "full": full})


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(4, 3), (4,), (4, 1)])
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll(reduction, var_shape, full):
    var = rng.uniform(0.2, 2.0, var_shape)
    var.reshape(-1)[0] = 1e-9  # below eps: clamped, gradient unaffected
    check(F.gaussian_nll_loss, TF.gaussian_nll_loss, [randn(4, 3), randn(4, 3), var],
          grad=(0, 1, 2), kw={"reduction": reduction, "full": full})


def test_gaussian_nll_bad_var():
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(deepgrad.zeros(2), deepgrad.zeros(2), deepgrad.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="incorrect size"):
        F.gaussian_nll_loss(deepgrad.zeros(4, 3), deepgrad.zeros(4, 3), deepgrad.ones(2))


# --- deepgrad's own, against their formulas written in torch ---------------------------------

def _torch_reduce(loss, reduction):
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


OWN = {
    "log_cosh_loss": (lambda x, y, reduction: _torch_reduce(torch.log(torch.cosh(x - y)),
                                                            reduction), {}),
    "quantile_loss": (lambda x, y, reduction, quantile=0.3: _torch_reduce(
        torch.maximum(quantile * (y - x), (quantile - 1) * (y - x)), reduction),
        {"quantile": 0.3}),
    "squared_hinge_loss": (lambda x, y, reduction, margin=1.0: _torch_reduce(
        torch.clamp(margin - y * x, min=0) ** 2, reduction), {}),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(OWN))
def test_own_losses_match_their_formulas(name, reduction):
    fn, extra = OWN[name]
    target = _signs(4, 5) if name == "squared_hinge_loss" else randn(4, 5)
    check(getattr(F, name), fn, [randn(4, 5) * 2, target], grad=(0,),
          kw=dict(extra, reduction=reduction))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("alpha,gamma", [(0.25, 2.0), (-1.0, 0.0), (0.6, 1.5)])
def test_focal_loss_matches_formula(reduction, alpha, gamma):
    def ref(x, t, alpha, gamma, reduction):
        p = torch.sigmoid(x)
        ce = TF.binary_cross_entropy_with_logits(x, t, reduction="none")
        p_t = p * t + (1 - p) * (1 - t)
        loss = ce * (1 - p_t) ** gamma
        if alpha >= 0:
            loss = loss * (alpha * t + (1 - alpha) * (1 - t))
        return _torch_reduce(loss, reduction)
    check(F.focal_loss, ref, [randn(5, 3) * 2, rng.integers(0, 2, (5, 3)).astype(float)],
          kw={"alpha": alpha, "gamma": gamma, "reduction": reduction})
    if alpha < 0 and gamma == 0:  # reduces to plain BCE with logits
        x, t = deepgrad.randn(5), deepgrad.tensor([0.0, 1.0, 1.0, 0.0, 1.0])
        assert_close(F.focal_loss(x, t, alpha, gamma),
                     F.binary_cross_entropy_with_logits(x, t), rtol=1e-6)


# --- modules ------------------------------------------------------------------------------

def test_loss_modules_pass_their_options():
    x, t = randn(6, 4), _labels(6, 4)
    w = rng.uniform(0.5, 2, 4)
    pairs = [
        (nn.CrossEntropyLoss(weight=deepgrad.tensor(w), label_smoothing=0.1, reduction="sum"),
         torch.nn.CrossEntropyLoss(weight=torch.from_numpy(w), label_smoothing=0.1,
                                   reduction="sum"), [x, t]),
        (nn.NLLLoss(ignore_index=2), torch.nn.NLLLoss(ignore_index=2), [x, t]),
        (nn.MultiMarginLoss(p=2, margin=0.5), torch.nn.MultiMarginLoss(p=2, margin=0.5), [x, t]),
        (nn.SmoothL1Loss(beta=0.3), torch.nn.SmoothL1Loss(beta=0.3), [x, randn(6, 4)]),
        (nn.HuberLoss(delta=0.2), torch.nn.HuberLoss(delta=0.2), [x, randn(6, 4)]),
        (nn.MSELoss(reduction="none"), torch.nn.MSELoss(reduction="none"), [x, randn(6, 4)]),
        (nn.L1Loss(), torch.nn.L1Loss(), [x, randn(6, 4)]),
        (nn.BCEWithLogitsLoss(pos_weight=deepgrad.tensor(w)),
         torch.nn.BCEWithLogitsLoss(pos_weight=torch.from_numpy(w)),
         [x, rng.uniform(0, 1, x.shape)]),
        (nn.BCELoss(), torch.nn.BCELoss(), [rng.uniform(0.1, 0.9, x.shape),
                                            rng.uniform(0, 1, x.shape)]),
        (nn.KLDivLoss(reduction="batchmean", log_target=True),
         torch.nn.KLDivLoss(reduction="batchmean", log_target=True), [x, randn(6, 4)]),
        (nn.SoftMarginLoss(), torch.nn.SoftMarginLoss(), [x, _signs(6, 4)]),
        (nn.HingeEmbeddingLoss(margin=2.0), torch.nn.HingeEmbeddingLoss(margin=2.0),
         [x, _signs(6, 4)]),
        (nn.MultiLabelSoftMarginLoss(), torch.nn.MultiLabelSoftMarginLoss(),
         [x, rng.integers(0, 2, x.shape).astype(float)]),
        (nn.PoissonNLLLoss(log_input=False, full=True),
         torch.nn.PoissonNLLLoss(log_input=False, full=True),
         [rng.uniform(0.5, 2, x.shape), rng.poisson(3, x.shape).astype(float)]),
        (nn.GaussianNLLLoss(full=True), torch.nn.GaussianNLLLoss(full=True),
         [x, randn(6, 4), rng.uniform(0.5, 2, (6, 4))]),
        (nn.CosineEmbeddingLoss(0.2), torch.nn.CosineEmbeddingLoss(0.2), [x, randn(6, 4),
                                                                         _signs(6)]),
        (nn.MarginRankingLoss(0.1), torch.nn.MarginRankingLoss(0.1), [randn(6), randn(6),
                                                                    _signs(6)]),
        (nn.TripletMarginLoss(margin=0.5, p=1), torch.nn.TripletMarginLoss(margin=0.5, p=1),
         [x, randn(6, 4), randn(6, 4)]),
    ]
    for ours, theirs, arrays in pairs:
        args = [_pair(a, False) for a in arrays]
        assert_close(ours(*[a for a, _ in args]), theirs(*[b for _, b in args]),
                     msg=type(ours).__name__)
    assert list(pairs[0][0].state_dict()) == list(pairs[0][1].state_dict())  # weight buffer
    assert list(pairs[7][0].state_dict()) == list(pairs[7][1].state_dict())
    x, y = deepgrad.tensor(randn(4)), deepgrad.tensor(randn(4))
    for mod, fn in [(nn.LogCoshLoss(), F.log_cosh_loss), (nn.QuantileLoss(0.9), None),
                    (nn.FocalLoss(), F.focal_loss), (nn.SquaredHingeLoss(), F.squared_hinge_loss)]:
        expected = F.quantile_loss(x, y, 0.9) if fn is None else fn(x, y)
        assert_close(mod(x, y), expected)


@pytest.mark.filterwarnings("ignore:size_average")
def test_legacy_size_average_and_reduce_map_onto_reduction():
    x, y = _pair(randn(3, 4), False), _pair(randn(3, 4), False)
    for kw in [{"size_average": False}, {"reduce": False}, {"size_average": True}]:
        assert_close(F.mse_loss(x[0], y[0], **kw), TF.mse_loss(x[1], y[1], **kw))
        assert_close(nn.L1Loss(**kw)(x[0], y[0]), torch.nn.L1Loss(**kw)(x[1], y[1]))


# --- distances used by the losses ----------------------------------------------------------

@pytest.mark.parametrize("p", [1, 2, 3, float("inf")])
def test_pairwise_distance(p):
    check(F.pairwise_distance, TF.pairwise_distance, [randn(5, 4), randn(5, 4)], grad=(0, 1),
          kw={"p": p}, double=p != float("inf"))


def test_cosine_similarity_and_normalize():
    check(F.cosine_similarity, TF.cosine_similarity, [randn(5, 4), randn(5, 4)], grad=(0, 1))
    check(F.cosine_similarity, TF.cosine_similarity, [randn(3, 4, 2), randn(1, 4, 2)],
          grad=(0, 1), kw={"dim": 1})
    for p, dim in [(2.0, 1), (1.0, 0), (3.0, -1)]:
        check(F.normalize, TF.normalize, [randn(4, 5)], kw={"p": p, "dim": dim})


def test_one_hot():
    t = rng.integers(0, 5, (3, 4))
    ours = F.one_hot(deepgrad.tensor(t))
    theirs = TF.one_hot(torch.from_numpy(t))
    assert ours.dtype == deepgrad.int64 and (ours.numpy() == theirs.numpy()).all()
    assert F.one_hot(deepgrad.tensor([1, 0]), 4).tolist() == [[0, 1, 0, 0], [1, 0, 0, 0]]
    with pytest.raises(RuntimeError, match=r"\[0, 2\].*\[0, 5\]"):
        F.one_hot(deepgrad.tensor([0, 5]), 3)
