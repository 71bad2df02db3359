"""Python's number protocols on tensors (format, int, float, index, bool) against torch."""
import pytest
import torch

import deepgrad


@pytest.mark.parametrize("value,spec", [
    (2.5, ""), (2.5, ".3f"), (3, ""), (3, "05d"), (1.5, ">8"), (True, ""), (1e-7, ".2e"),
    (-0.0, "+.1f"),
])
def test_zero_dim_tensors_format_as_python_numbers(value, spec):
    assert format(deepgrad.tensor(value), spec) == format(torch.tensor(value), spec)


def test_format_in_f_strings_of_a_requires_grad_loss():
    d = deepgrad.tensor(0.123456, requires_grad=True) * 2
    t = torch.tensor(0.123456, requires_grad=True) * 2
    assert f"loss {d:.4f}" == f"loss {t:.4f}"


def test_dimensioned_tensors_format_as_str_or_reject_a_spec():
    d, t = deepgrad.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    assert format(d, "") == str(d) and format(t, "") == str(t)
    assert f"{d}" == str(d)
    for x in (d, t, deepgrad.tensor([1.0]), torch.tensor([1.0])):
        with pytest.raises(TypeError, match="unsupported format string passed to Tensor"):
            format(x, ".2f")


@pytest.mark.parametrize("make", [
    lambda m: int(m.tensor([3.7])), lambda m: float(m.tensor([[2]])), lambda m: int(m.tensor(-2.5)),
    lambda m: bool(m.tensor([0.0])), lambda m: bool(m.tensor(3)), lambda m: [10, 20, 30][m.tensor(1)],
    lambda m: m.tensor([2]).__index__(), lambda m: hex(m.tensor(255)),
    lambda m: m.tensor(True).__index__(),
])
def test_number_conversions_match_torch(make):
    assert make(deepgrad) == make(torch)


@pytest.mark.parametrize("make,error,match", [
    (lambda m: int(m.tensor([1, 2])), ValueError, "only one element tensors"),
    (lambda m: float(m.tensor([1.0, 2.0])), ValueError, "only one element tensors"),
    (lambda m: m.tensor(3.0).__index__(), TypeError, "only integer tensors"),
    (lambda m: bool(m.tensor([])), RuntimeError, "with no values is ambiguous"),
    (lambda m: bool(m.tensor([1, 2])), RuntimeError, "more than one value is ambiguous"),
])
def test_number_conversion_errors_match_torch(make, error, match):
    with pytest.raises(error, match=match):
        make(torch)
    with pytest.raises(error, match=match):
        make(deepgrad)


def test_scalar_of_a_requires_grad_tensor_warns_like_torch():
    with pytest.warns(UserWarning, match="requires_grad=True to a scalar"):
        float(torch.tensor(2.0, requires_grad=True))
    with pytest.warns(UserWarning, match="requires_grad=True to a scalar"):
        assert float(deepgrad.tensor(2.0, requires_grad=True)) == 2.0
