"""Bad input gets a clear error that names the problem and the values."""
import numpy as np
import pytest

import deepgrad
from deepgrad.backend import device


def test_broadcast_mismatch_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match .* \(4\).*\[2, 3\] and \[2, 4\]"):
        deepgrad.ones(2, 3) + deepgrad.ones(2, 4)


def test_matmul_mismatch_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"2x3 and 4x5"):
        deepgrad.ones(2, 3) @ deepgrad.ones(4, 5)
    with pytest.raises(RuntimeError, match=r"\[2, 3, 4\] and \[2, 5, 6\]"):
        deepgrad.ones(2, 3, 4) @ deepgrad.ones(2, 5, 6)


@pytest.mark.parametrize("shapes,fn", [(((4, 6), (6, 7)), "matmul"), (((2, 3, 4), (4, 5)), "matmul"),
                                       (((3,), (3, 4)), "matmul"), (((2, 3), (3,)), "mv"),
                                       (((3,), (3,)), "dot"), (((3,), (3,)), "inner")])
def test_products_of_mixed_dtypes_raise_as_torch(shapes, fn):
    import torch  # noqa: PLC0415 - the oracle: it refuses these too

    for lib in (deepgrad, torch):
        a, b = lib.ones(*shapes[0]), lib.ones(*shapes[1], dtype=lib.float64)
        with pytest.raises(RuntimeError, match="same dtype"):
            getattr(lib, fn)(a, b)
    with pytest.raises(RuntimeError, match="deepgrad.float32 != deepgrad.float64"):
        getattr(deepgrad, fn)(deepgrad.ones(*shapes[0]),
                              deepgrad.ones(*shapes[1], dtype=deepgrad.float64))


def test_reshape_and_cat_errors():
    with pytest.raises(RuntimeError, match="invalid for input of size 6"):
        deepgrad.ones(2, 3).reshape(4, 2)
    with pytest.raises(RuntimeError, match="Expected size 3 but got size 2"):
        deepgrad.cat([deepgrad.ones(2, 3), deepgrad.ones(2, 2)], dim=0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        deepgrad.ones(2, 3).sum(2)


def test_float_index_is_refused():
    x = deepgrad.ones(3)
    with pytest.raises(IndexError, match="float"):
        x[1.0]
    with pytest.raises(IndexError, match="long, int, byte or bool"):
        x[deepgrad.tensor([0.0, 1.0])]


def test_out_of_range_index_names_size():
    with pytest.raises(IndexError, match="out of bounds"):
        deepgrad.ones(3)[5]
    with pytest.raises(IndexError, match="index 7 is out of bounds for dimension 1 with size 4"):
        deepgrad.ones(2, 4).gather(1, deepgrad.tensor([[7], [0]]))


def test_backward_of_non_scalar_without_gradient():
    x = deepgrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar outputs \(got an output of shape \[2\]\)"):
        (x * 2).backward()


def test_mixing_devices_is_refused():
    """A tensor claiming to live on a GPU (the array is NumPy here; no GPU is needed to
    check that the device check fires before any computation)."""
    a = deepgrad.ones(2)
    b = deepgrad.Tensor._make(np.ones(2, dtype=np.float32), device("cuda:0"))
    with pytest.raises(RuntimeError, match="same device.*cpu.*cuda:0"):
        a + b


def test_missing_cupy_gives_clear_error():
    try:
        import cupy  # noqa: F401
        pytest.skip("CuPy is installed")
    except ImportError:
        pass
    with pytest.raises(RuntimeError, match="needs CuPy"):
        deepgrad.zeros(2, device="cuda")


def test_unknown_device_and_unsupported_dtype():
    with pytest.raises(RuntimeError, match="unknown device type"):
        deepgrad.zeros(2, device="tpu")
    with pytest.raises(TypeError, match="does not support NumPy dtype"):
        deepgrad.tensor(np.array(["a", "b"]))


def test_negative_size_and_bad_size_type():
    with pytest.raises(RuntimeError, match="negative dimension"):
        deepgrad.zeros(2, -1)
    with pytest.raises(TypeError, match="sequence of ints"):
        deepgrad.zeros(2.5)


def test_expand_error_names_sizes():
    with pytest.raises(RuntimeError, match=r"expanded size of the tensor \(4\) must match the existing size \(3\)"):
        deepgrad.ones(3, 1).expand(4, 2)
