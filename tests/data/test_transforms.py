"""Transforms: torchvision's definitions checked against NumPy/SciPy formulas and statistics."""
import numpy as np
import pytest
import torch
from scipy.ndimage import affine_transform

import deepgrad
from deepgrad.datasets.transforms import (Compose, GaussianNoise, Lambda, Normalize,
                                          RandomAffine, RandomCrop, RandomHorizontalFlip,
                                          ToTensor, affine)


def gen(seed):
    return deepgrad.Generator().manual_seed(seed)


def test_to_tensor_hwc_uint8_to_chw_float():
    img = np.random.default_rng(0).integers(0, 256, size=(5, 4, 3), dtype=np.uint8)
    t = ToTensor()(img)
    assert isinstance(t, deepgrad.Tensor) and t.shape == (3, 5, 4) and t.dtype == deepgrad.float32
    # torchvision: torch.from_numpy(pic.transpose(2, 0, 1)).float().div(255)
    ref = torch.from_numpy(img.transpose(2, 0, 1).copy()).to(torch.float32).div(255)
    np.testing.assert_array_equal(t.numpy(), ref.numpy())
    assert t.numpy().min() >= 0 and t.numpy().max() <= 1
    gray = ToTensor()(img[:, :, 0])
    assert gray.shape == (1, 5, 4)
    f = ToTensor()(np.full((2, 2, 1), 3.0))          # non-uint8: values and dtype kept
    assert f.dtype == deepgrad.float64 and f.numpy().max() == 3.0
    with pytest.raises(ValueError, match="2 or 3 dimensional"):
        ToTensor()(np.zeros(3))


def test_normalize_per_channel():
    x = deepgrad.tensor(np.random.default_rng(1).random((2, 3, 4, 4)))
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    out = Normalize(mean, std)(x)
    ref = (torch.from_numpy(x.numpy()) - torch.tensor(mean, dtype=torch.float64)[:, None, None]) \
        / torch.tensor(std, dtype=torch.float64)[:, None, None]
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12)
    assert out.dtype == deepgrad.float64
    sig = deepgrad.tensor([1.0, 3.0])                # one mean/std: any shape (1-D signals)
    np.testing.assert_allclose(Normalize(1.0, 2.0)(sig).numpy(), [0.0, 1.0])
    y = deepgrad.tensor(np.ones((3, 2, 2)))
    assert Normalize(mean, std, inplace=True)(y) is y
    np.testing.assert_allclose(y.numpy()[:, 0, 0], (1 - np.array(mean)) / np.array(std))
    with pytest.raises(ValueError, match="division by zero"):
        Normalize((0.0,), (0.0,))
    with pytest.raises(ValueError, match=r"\(\.\.\., 3, H, W\)"):
        Normalize(mean, std)(deepgrad.zeros(2, 4, 4))
    with pytest.raises(TypeError, match="float"):
        Normalize(0.0, 1.0)(deepgrad.tensor([1, 2]))


def test_compose_and_lambda():
    t = Compose([ToTensor(), Lambda(lambda x: x * 2.0), Normalize(0.5, 0.5)])
    out = t(np.full((2, 2), 255, dtype=np.uint8))
    np.testing.assert_allclose(out.numpy(), np.full((1, 2, 2), 3.0), rtol=1e-6)
    assert "ToTensor" in repr(t)
    with pytest.raises(TypeError, match="callable"):
        Lambda(3)


def test_random_crop_is_a_uniform_window_of_the_padded_image():
    img = deepgrad.tensor(np.arange(2 * 6 * 6, dtype=np.float32).reshape(2, 6, 6))
    crop = RandomCrop(4, padding=1, generator=gen(0))
    padded = np.pad(img.numpy(), [(0, 0), (1, 1), (1, 1)])
    seen = set()
    for _ in range(400):
        out = crop(img).numpy()
        assert out.shape == (2, 4, 4)
        hits = [(i, j) for i in range(5) for j in range(5)
                if np.array_equal(padded[:, i:i + 4, j:j + 4], out)]
        assert len(hits) == 1
        seen.add(hits[0])
    assert len(seen) == 25                              # every position is reachable
    a = [RandomCrop(4, padding=1, generator=gen(5))(img).numpy() for _ in range(1)]
    b = [RandomCrop(4, padding=1, generator=gen(5))(img).numpy() for _ in range(1)]
    np.testing.assert_array_equal(a[0], b[0])


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_random_crop_padding_modes_match_numpy(mode):
    img = np.arange(9, dtype=np.float64).reshape(1, 3, 3)
    out = RandomCrop(7, padding=2, padding_mode=mode, fill=0)(img)   # only one window: padded
    kw = {"constant_values": 0} if mode == "constant" else {}
    np.testing.assert_array_equal(out, np.pad(img, [(0, 0), (2, 2), (2, 2)], mode=mode, **kw))
    assert isinstance(out, np.ndarray)


def test_random_crop_pad_if_needed_and_errors():
    img = deepgrad.ones(1, 2, 3)
    assert RandomCrop((4, 5), pad_if_needed=True)(img).shape == (1, 4, 5)
    with pytest.raises(ValueError, match="larger than the input image size"):
        RandomCrop(4)(img)
    with pytest.raises(ValueError, match="padding_mode"):
        RandomCrop(2, padding_mode="wrap")
    lrtb = RandomCrop((2 + 3 + 1, 3 + 1 + 2), padding=(1, 3, 2, 1))(img)   # left, top, right, bottom
    np.testing.assert_array_equal(lrtb.numpy()[0], np.pad(np.ones((2, 3)), [(3, 1), (1, 2)]))


def test_random_horizontal_flip():
    img = deepgrad.tensor(np.arange(6.0).reshape(1, 2, 3))
    np.testing.assert_array_equal(RandomHorizontalFlip(1.0)(img).numpy(), img.numpy()[..., ::-1])
    assert RandomHorizontalFlip(0.0)(img) is img
    f = RandomHorizontalFlip(0.5, generator=gen(0))
    flips = sum(f(img).numpy()[0, 0, 0] == 2.0 for _ in range(2000))
    assert abs(flips / 2000 - 0.5) < 5 * np.sqrt(0.25 / 2000)
    with pytest.raises(ValueError):
        RandomHorizontalFlip(1.5)


def _scipy_affine(img, angle, t, s, order):
    """The same map written for scipy: input[(row, col)] = M @ output[(row, col)] + offset."""
    h, w = img.shape
    a = np.radians(angle)
    m = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]]) / s
    c = np.array([(h - 1) / 2, (w - 1) / 2])
    offset = c - m @ (c + np.array([t[1], t[0]]))
    return affine_transform(img, m, offset=offset, order=order, mode="grid-constant", cval=0.0)


# (scales like 0.8 put source points exactly half-way between pixels, where "nearest" is a
# matter of convention: NumPy rounds half to even, SciPy rounds half up; 0.83 avoids ties)
@pytest.mark.parametrize("angle,t,s", [(17.0, (0, 0), 1.0), (-33.0, (2, -1), 1.0),
                                       (8.0, (1, 3), 1.2), (0.0, (-2, 1), 0.83)])
def test_affine_matches_scipy(angle, t, s):
    img = np.random.default_rng(2).random((11, 9))
    for interp, order in (("bilinear", 1), ("nearest", 0)):
        ours = affine(img[None], angle, t, s, interp)[0]
        ref = _scipy_affine(img, angle, t, s, order)
        np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-10, err_msg=interp)


def test_affine_rotation_and_shift_special_cases():
    img = np.arange(25.0).reshape(1, 5, 5)
    np.testing.assert_array_equal(affine(img, 90, (0, 0), 1.0), np.rot90(img, axes=(1, 2)))
    shifted = affine(img, 0, (2, 1), 1.0, fill=-1)          # right 2, down 1
    expected = np.full_like(img, -1)
    expected[:, 1:, 2:] = img[:, :4, :3]
    np.testing.assert_array_equal(shifted, expected)
    u8 = np.arange(25, dtype=np.uint8).reshape(5, 5)
    assert affine(u8, 10, (0, 0), 1.0, "bilinear").dtype == np.uint8


def test_random_affine_draws_and_reproducibility():
    ra = RandomAffine(10, translate=(0.2, 0.1), scale=(0.9, 1.1), generator=gen(0))
    for _ in range(200):
        angle, (tx, ty), s = ra.get_params(20, 30)
        assert -10 <= angle <= 10 and abs(tx) <= 6 and abs(ty) <= 2 and 0.9 <= s <= 1.1
    img = deepgrad.tensor(np.random.default_rng(0).random((1, 8, 8)).astype(np.float32))
    a = RandomAffine(15, interpolation="bilinear", generator=gen(3))(img)
    b = RandomAffine(15, interpolation="bilinear", generator=gen(3))(img)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.dtype == deepgrad.float32 and a.shape == img.shape
    with pytest.raises(ValueError, match="interpolation"):
        RandomAffine(5, interpolation="cubic")
    with pytest.raises(ValueError, match="translate"):
        RandomAffine(5, translate=(2, 0))


def test_gaussian_noise_statistics_and_clip():
    x = deepgrad.full((200, 200), 0.5)
    out = GaussianNoise(sigma=0.1, clip=False, generator=gen(0))(x)
    noise = out.numpy() - 0.5
    assert out.dtype == deepgrad.float32
    assert abs(noise.mean()) < 5 * 0.1 / 200 and abs(noise.std() - 0.1) < 0.005
    clipped = GaussianNoise(sigma=1.0, generator=gen(0))(x).numpy()
    assert clipped.min() == 0.0 and clipped.max() == 1.0
    a = GaussianNoise(generator=gen(1))(x).numpy()
    np.testing.assert_array_equal(a, GaussianNoise(generator=gen(1))(x).numpy())
    deepgrad.manual_seed(2)
    c = GaussianNoise()(x).numpy()
    deepgrad.manual_seed(2)
    np.testing.assert_array_equal(c, GaussianNoise()(x).numpy())
    with pytest.raises(TypeError, match="float"):
        GaussianNoise()(deepgrad.tensor([1, 2]))
