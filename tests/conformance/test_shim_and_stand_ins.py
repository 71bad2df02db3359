"""The suite's own machinery: the torch alias and the torchvision stand-in."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from . import harness

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")


def run_under_alias(code):
    """Run ``code`` in a fresh interpreter with the torch alias installed."""
    bootstrap = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(harness.RUNNER.parent)!r})
        sys.path.insert(0, {str(harness.STAND_INS)!r})
        import torch_alias
        torch_alias.install()
    """) + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", bootstrap], capture_output=True, text=True,
                          env=harness.environment(), timeout=120)


def test_alias_serves_deepgrads_own_modules():
    done = run_under_alias("""
        import deepgrad
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.utils.data import DataLoader
        from torch.optim.lr_scheduler import StepLR
        assert torch is deepgrad and nn is deepgrad.nn
        assert F is deepgrad.nn.functional and torch.nn.functional is F
        assert DataLoader is deepgrad.utils.data.DataLoader
        assert StepLR is deepgrad.optim.lr_scheduler.StepLR
        assert sys.modules["torch.nn.functional"] is deepgrad.nn.functional
        import numpy as np
        import torchvision.transforms as T   # the stand-in, built on the aliased torch
        assert type(T.ToTensor()(np.zeros((2, 2), dtype=np.uint8))) is deepgrad.Tensor
        print("ok")
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_alias_names_both_modules_when_deepgrad_lacks_one():
    done = run_under_alias("import torch.no_such_thing")
    assert done.returncode != 0
    assert "ModuleNotFoundError" in done.stderr
    assert "'torch.no_such_thing'" in done.stderr and "'deepgrad.no_such_thing'" in done.stderr


def test_alias_refuses_to_install_after_real_torch():
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(harness.RUNNER.parent)!r})
        import torch
        import torch_alias
        try:
            torch_alias.install()
        except RuntimeError as error:
            print("refused:", error)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=harness.environment(), timeout=120)
    assert "refused: the real torch is already imported" in done.stdout, done.stderr


@pytest.fixture(scope="module")
def stand_in():
    sys.path.insert(0, str(harness.STAND_INS))
    try:
        import torchvision  # noqa: PLC0415 - the stand-in, on real torch here
        yield torchvision
    finally:
        sys.path.remove(str(harness.STAND_INS))
        for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
            del sys.modules[name]


def test_mnist_stand_in_has_torchvisions_interface(stand_in):
    train = stand_in.datasets.MNIST("../data", train=True, download=True)
    test = stand_in.datasets.MNIST("../data", train=False)
    assert (len(train), len(test)) == (1437, 360)
    assert train.data.dtype == torch.uint8 and tuple(train.data.shape) == (1437, 28, 28)
    assert train.targets.dtype == torch.int64 and set(train.targets.tolist()) == set(range(10))
    image, label = train[0]
    assert image.mode == "L" and image.size == (28, 28) and isinstance(label, int)
    # the digit sits in the middle 20x20 box, as MNIST's do
    assert train.data[:, :4].sum() == 0 and train.data[:, :, 24:].sum() == 0


def test_mnist_digits_are_sklearns_enlarged(stand_in):
    from sklearn.datasets import load_digits  # noqa: PLC0415

    from torchvision import _digits  # noqa: PLC0415 - the stand-in's helper

    original = load_digits().images
    images, labels = _digits.digits_28x28()
    order = np.random.default_rng(_digits.SPLIT_SEED).permutation(len(original))
    # bilinear with ends aligned keeps the four corner pixels of the 8x8 image
    corners = images[:, [4, 4, 23, 23], [4, 23, 4, 23]].astype(float)
    expected = original[order][:, [0, 0, 7, 7], [0, 7, 0, 7]] * 255 / 16
    np.testing.assert_allclose(corners, expected, atol=0.5)
    np.testing.assert_array_equal(labels, load_digits().target[order])


def test_transforms_match_their_definitions(stand_in):
    t = stand_in.transforms
    pixels = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    x = t.Compose([t.ToTensor(), t.Normalize((0.1307,), (0.3081,))])(pixels)
    assert tuple(x.shape) == (1, 3, 4) and x.dtype == torch.float32
    expected = (pixels.astype(np.float32) / 255 - np.float32(0.1307)) / np.float32(0.3081)
    np.testing.assert_allclose(x.numpy()[0], expected, rtol=1e-6)


def test_fake_data_is_the_same_under_either_library(stand_in):
    data = stand_in.datasets.FakeData(size=5, image_size=(3, 8, 8),
                                      transform=stand_in.transforms.ToTensor())
    first, label = data[3]
    again, label_again = data[3]
    assert tuple(first.shape) == (3, 8, 8) and label == label_again
    assert torch.equal(first, again)
    with pytest.raises(IndexError, match="out of range"):
        data[5]
    done = run_under_alias("""
        import torchvision
        data = torchvision.datasets.FakeData(size=5, image_size=(3, 8, 8),
                                             transform=torchvision.transforms.ToTensor())
        image, label = data[3]
        print(label, repr(image.numpy().tobytes().hex()))
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == str(label)
    assert done.stdout.split()[1].strip("'") == first.numpy().tobytes().hex()


def test_make_grid_and_save_image(stand_in, tmp_path):
    batch = torch.rand(5, 1, 4, 6)
    grid = stand_in.utils.make_grid(batch, nrow=3, padding=2)
    # 2 rows x 3 columns of 4x6 pictures with 2-pixel frames, grey turned into RGB
    assert tuple(grid.shape) == (3, 2 * 6 + 2, 3 * 8 + 2)
    np.testing.assert_array_equal(grid[0, 2:6, 2:8].numpy(), batch[0, 0].numpy())
    np.testing.assert_array_equal(grid[:, 8:12, 10:16].numpy(),
                                  np.repeat(batch[4].numpy(), 3, axis=0))
    stand_in.utils.save_image(batch, tmp_path / "grid.png", nrow=3, normalize=True)
    from PIL import Image  # noqa: PLC0415

    assert Image.open(tmp_path / "grid.png").size == (26, 14)


def test_resnet18_has_torchvisions_layout(stand_in):
    model = stand_in.models.resnet18(weights=None)
    shapes = {name: tuple(p.shape) for name, p in model.state_dict().items()}
    assert len(shapes) == 122  # torchvision's resnet18 state_dict has 122 entries
    assert shapes["conv1.weight"] == (64, 3, 7, 7)
    assert shapes["layer2.0.downsample.0.weight"] == (128, 64, 1, 1)
    assert shapes["fc.weight"] == (1000, 512)
    assert sum(p.numel() for p in model.parameters()) == 11_689_512  # torchvision's count
    assert tuple(model(torch.zeros(2, 3, 32, 32)).shape) == (2, 1000)
    with pytest.raises(ValueError, match="no pretrained weights"):
        stand_in.models.resnet18(weights="IMAGENET1K_V1")
