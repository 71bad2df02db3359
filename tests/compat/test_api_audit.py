"""What torch 2.13 offers against what deepgrad offers, name by name.

For torch's top level, torch.nn, torch.nn.functional and torch.Tensor: every public name
must exist in deepgrad or be listed in api_skip_list.py with its reason; and a listed name
that deepgrad now has is a stale entry (the list must shrink as deepgrad grows).
"""
import inspect

import pytest
import torch
import torch.nn.functional as TF

import deepgrad
import deepgrad.nn.functional as DF

from . import api_skip_list as skips


def _public(module):
    """Public names, leaving out modules that torch merely imported (os, math, typing ...)."""
    names = set()
    for name in dir(module):
        if name.startswith("_"):
            continue
        value = getattr(module, name, None)
        if inspect.ismodule(value) and not value.__name__.startswith("torch"):
            continue
        names.add(name)
    return names


def _tensor_names():
    return {n for n in dir(torch.Tensor)
            if not n.startswith("_") or (n.startswith("__") and n.endswith("__"))}


SPACES = {
    "torch": (lambda: _public(torch), deepgrad, skips.TORCH),
    "torch.nn": (lambda: _public(torch.nn), deepgrad.nn, skips.NN),
    "torch.nn.functional": (lambda: _public(TF), DF, skips.FUNCTIONAL),
    "torch.Tensor": (_tensor_names, deepgrad.Tensor, skips.TENSOR),
}


@pytest.mark.parametrize("space", list(SPACES))
def test_every_torch_name_exists_or_is_skipped_with_a_reason(space):
    names, ours, skip = SPACES[space]
    missing = sorted(n for n in names() if not hasattr(ours, n) and n not in skip)
    assert not missing, (f"{len(missing)} names of {space} are neither in deepgrad nor in "
                         f"api_skip_list.py: {missing}")


@pytest.mark.parametrize("space", list(SPACES))
def test_skip_list_has_no_stale_or_unknown_entries(space):
    names, ours, skip = SPACES[space]
    present = sorted(n for n in skip if hasattr(ours, n))
    assert not present, f"deepgrad now has these skipped {space} names; delete them: {present}"
    unknown = sorted(set(skip) - names())
    assert not unknown, f"not names of {space} in torch 2.13: {unknown}"
    assert all(isinstance(r, str) and len(r) > 10 for r in skip.values())


@pytest.mark.parametrize("name", [
    # what the training programs of pytorch/examples and makemore call
    "tensor", "zeros", "ones", "arange", "randn", "rand", "randint", "randperm", "cat", "stack",
    "tril", "triu", "multinomial", "manual_seed", "no_grad", "save", "load", "argmax", "softmax",
    "cumsum", "cumprod", "where", "clamp", "topk", "sort", "einsum", "bmm", "matmul", "flatten",
    "linspace", "full", "eye", "diag", "outer", "meshgrid", "roll", "repeat_interleave", "isin",
    "finfo", "set_num_threads", "device", "float32", "long", "autocast", "is_tensor",
])
def test_training_program_essentials_exist(name):
    assert hasattr(deepgrad, name), name


@pytest.mark.parametrize("name", [
    "item", "tolist", "numpy", "type", "new_zeros", "new_ones", "new_full", "new_empty",
    "new_tensor", "masked_fill_", "index_fill_", "clamp_", "uniform_", "normal_", "fill_",
    "zero_", "repeat_interleave", "expand_as", "type_as", "data_ptr", "tril", "triu", "view",
    "contiguous", "scatter_", "index_add_", "bernoulli_", "random_", "exponential_",
])
def test_tensor_method_essentials_exist(name):
    assert hasattr(deepgrad.Tensor, name), name
