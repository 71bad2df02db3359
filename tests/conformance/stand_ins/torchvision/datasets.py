"""torchvision.datasets stand-ins: MNIST (offline, from scikit-learn's digits) and FakeData."""
import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from . import _digits


class MNIST(Dataset):
    """torchvision's MNIST interface over the offline digits of ``_digits``.

    ``root`` and ``download`` are accepted and ignored: nothing is read or written.
    ``data`` is a uint8 tensor (N, 28, 28), ``targets`` an int64 tensor (N,);
    an item is ``(PIL image in mode "L", int label)`` passed through the transforms.
    """

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        self.root, self.train = root, train
        self.transform, self.target_transform = transform, target_transform
        images, labels = _digits.split(train)
        self.data = torch.from_numpy(images.copy())
        self.targets = torch.from_numpy(labels.copy())

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        image = Image.fromarray(self.data[index].numpy())
        target = int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target


class FakeData(Dataset):
    """Random images, as torchvision's FakeData; item ``index`` is drawn from NumPy seed
    ``index + random_offset`` so real torch and deepgrad runs see the same pictures."""

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None,
                 target_transform=None, random_offset=0):
        self.size, self.image_size, self.num_classes = size, tuple(image_size), num_classes
        self.transform, self.target_transform = transform, target_transform
        self.random_offset = random_offset

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        if not 0 <= index < self.size:
            raise IndexError(f"FakeData index {index} out of range for size {self.size}")
        rng = np.random.default_rng(index + self.random_offset)
        channels, height, width = self.image_size
        pixels = rng.integers(0, 256, size=(height, width, channels), dtype=np.uint8)
        image = Image.fromarray(pixels[:, :, 0] if channels == 1 else pixels)
        target = int(rng.integers(self.num_classes))
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target
