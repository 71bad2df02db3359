"""Where torch 2.13 warns and carries on, deepgrad warns the same way and gives the same
result; where torch raises, deepgrad raises too."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad
import deepgrad.nn.functional as DF
from deepgrad import nn

from ..conftest import assert_close


def _pair(shape, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape)
    return deepgrad.tensor(x), torch.tensor(x)


def _warns_both(fn_d, fn_t, match, category=UserWarning):
    with pytest.warns(category, match=match):
        t_out = fn_t()
    with pytest.warns(category, match=match):
        d_out = fn_d()
    return d_out, t_out


# --- channel dropout on unusual ranks ---------------------------------------------------------

@pytest.mark.parametrize("name,shape,match", [
    ("dropout2d", (4, 6), "Received a 2-D input to dropout2d"),
    ("dropout2d", (2, 3, 4, 5, 2), "Received a 5-D input to dropout2d"),
    ("dropout2d", (2, 3, 4), "Received a 3D input to dropout2d"),
    ("dropout3d", (3, 4), "Received a 2-D input to dropout3d"),
    ("dropout3d", (3, 4, 5), "Received a 3-D input to dropout3d"),
    ("dropout3d", (5,), "Received a 1-D input to dropout3d"),
])
def test_channel_dropout_warns_and_masks_the_same_groups_as_torch(name, shape, match):
    """Same warning; the zeroed groups have torch's shape (which elements share a draw)."""
    ones_d, ones_t = deepgrad.ones(shape), torch.ones(shape)
    d_out, t_out = _warns_both(lambda: getattr(DF, name)(ones_d, 0.5),
                               lambda: getattr(TF, name)(ones_t, 0.5), match)
    assert tuple(d_out.shape) == tuple(t_out.shape) == shape
    for out in (d_out.numpy(), t_out.numpy()):
        assert set(np.unique(out)) <= {0.0, 2.0}
    # the mask groups: torch treats dim 0 as batch and dim 1 as channel, except dropout3d on
    # unbatched input (channel dim 0); elements within a group share one value
    group_dims = 1 if name == "dropout3d" and len(shape) != 5 else min(2, len(shape))
    for out in (d_out.numpy(), t_out.numpy()):
        grouped = out.reshape(int(np.prod(shape[:group_dims])), -1)
        assert (grouped == grouped[:, :1]).all()


def test_dropout2d_module_on_3d_input_warns_and_dropout1d_on_4d_still_raises():
    with pytest.warns(UserWarning, match="3D input to dropout2d"):
        nn.Dropout2d()(deepgrad.ones(2, 3, 4))
    for lib in (torch, deepgrad):
        with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
            lib.nn.functional.dropout1d(lib.ones(2, 3, 4, 5))
        with pytest.raises(RuntimeError, match="at least 2 dimensions"):
            with pytest.warns(UserWarning):
                lib.nn.functional.dropout2d(lib.ones(5))


def test_dropout2d_in_eval_mode_is_the_identity_even_on_unusual_ranks():
    x_d, x_t = _pair((4, 6))
    d_out, t_out = _warns_both(lambda: DF.dropout2d(x_d, 0.5, training=False),
                               lambda: TF.dropout2d(x_t, 0.5, training=False), "2-D input")
    assert_close(d_out, t_out)


# --- softmax without dim ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (2, 3, 4, 2)])
def test_softmax_without_dim_warns_and_picks_torchs_dim(name, shape):
    x_d, x_t = _pair(shape)
    d_out, t_out = _warns_both(lambda: getattr(DF, name)(x_d), lambda: getattr(TF, name)(x_t),
                               f"Implicit dimension choice for {name}")
    assert_close(d_out, t_out)


def test_softmax_module_without_dim_warns_like_torch():
    x_d, x_t = _pair((3, 4))
    d_out, t_out = _warns_both(lambda: nn.Softmax()(x_d), lambda: torch.nn.Softmax()(x_t),
                               "Implicit dimension choice for softmax")
    assert_close(d_out, t_out)


# --- regression losses with a target of another size ---------------------------------------

@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
@pytest.mark.parametrize("shapes", [((3, 1), (3,)), ((4,), (2, 4)), ((2, 3), (1, 3))])
def test_regression_loss_size_mismatch_warns_then_broadcasts(name, shapes):
    (i_d, i_t), (t_d, t_t) = _pair(shapes[0], 1), _pair(shapes[1], 2)
    d_out, t_out = _warns_both(lambda: getattr(DF, name)(i_d, t_d),
                               lambda: getattr(TF, name)(i_t, t_t), "Using a target size")
    assert_close(d_out, t_out)


def test_losses_with_matching_sizes_do_not_warn():
    x, _ = _pair((3, 2))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DF.mse_loss(x, x)
        DF.l1_loss(x, x)


def test_binary_cross_entropy_size_mismatch_stays_an_error():
    p = deepgrad.full((3, 1), 0.5)
    with pytest.raises(ValueError):
        TF.binary_cross_entropy(torch.full((3, 1), 0.5), torch.ones(3))
    with pytest.raises(ValueError):
        DF.binary_cross_entropy(p, deepgrad.ones(3))


# --- legacy size_average / reduce ------------------------------------------------------------

@pytest.mark.parametrize("size_average,reduce,expected", [
    (False, None, "sum"), (None, False, "none"), (True, True, "mean"), (False, False, "none"),
])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "soft_margin_loss"])
def test_legacy_reduction_args_warn_and_map_like_torch(name, size_average, reduce, expected):
    (x_d, x_t), (y_d, y_t) = _pair((3, 4), 3), _pair((3, 4), 4)
    match = f"please use reduction='{expected}'"
    d_out, t_out = _warns_both(
        lambda: getattr(DF, name)(x_d, y_d, size_average=size_average, reduce=reduce),
        lambda: getattr(TF, name)(x_t, y_t, size_average=size_average, reduce=reduce), match)
    assert_close(d_out, t_out)


def test_legacy_args_on_loss_modules_warn_at_construction_like_torch():
    (x_d, x_t), (y_d, y_t) = _pair((3, 4), 5), _pair((3, 4), 6)
    d_loss, t_loss = _warns_both(lambda: nn.MSELoss(size_average=False),
                                 lambda: torch.nn.MSELoss(size_average=False),
                                 "size_average and reduce args will be deprecated")
    assert d_loss.reduction == t_loss.reduction == "sum"
    assert_close(d_loss(x_d, y_d), t_loss(x_t, y_t))
    ce_d, ce_t = _warns_both(lambda: nn.CrossEntropyLoss(reduce=False),
                             lambda: torch.nn.CrossEntropyLoss(reduce=False), "reduction='none'")
    assert ce_d.reduction == ce_t.reduction == "none"


def test_kl_div_mean_reduction_warns_like_torch():
    x_d, x_t = _pair((3, 4), 7)
    p = np.full((3, 4), 0.25)
    d_out, t_out = _warns_both(lambda: DF.kl_div(DF.log_softmax(x_d, 1), deepgrad.tensor(p)),
                               lambda: TF.kl_div(TF.log_softmax(x_t, 1), torch.tensor(p)),
                               "'batchmean'")
    assert_close(d_out, t_out)


@pytest.mark.parametrize("name,make_target", [
    ("mse_loss", lambda m: m.full((3, 4), 0.5)), ("l1_loss", lambda m: m.full((3, 4), 0.5)),
    ("smooth_l1_loss", lambda m: m.full((3, 4), 0.5)), ("huber_loss", lambda m: m.full((3, 4), 0.5)),
    ("cross_entropy", lambda m: m.tensor([0, 1, 3])), ("nll_loss", lambda m: m.tensor([0, 1, 3])),
    ("binary_cross_entropy_with_logits", lambda m: m.full((3, 4), 0.5)),
    ("soft_margin_loss", lambda m: m.full((3, 4), 1.0)),
])
def test_elementwise_mean_reduction_warns_and_means_mean(name, make_target):
    x_d, x_t = _pair((3, 4), 8)
    d_out, t_out = _warns_both(
        lambda: getattr(DF, name)(x_d, make_target(deepgrad), reduction="elementwise_mean"),
        lambda: getattr(TF, name)(x_t, make_target(torch).to(x_t.dtype) if name not in (
            "cross_entropy", "nll_loss") else make_target(torch), reduction="elementwise_mean"),
        "elementwise_mean' is deprecated")
    assert_close(d_out, t_out)
    for lib, F in ((torch, TF), (deepgrad, DF)):
        with pytest.raises(ValueError, match="bogus is not a valid value for reduction"):
            F.mse_loss(lib.ones(2), lib.ones(2), reduction="bogus")
