"""torchvision.transforms stand-ins: Compose, ToTensor, Normalize, Lambda, Resize, CenterCrop."""
import numbers

import numpy as np
import torch
from PIL import Image


class Compose:
    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, image):
        for transform in self.transforms:
            image = transform(image)
        return image


class ToTensor:
    """PIL image or (H, W[, C]) array -> float tensor (C, H, W); bytes are divided by 255."""

    def __call__(self, picture):
        array = np.array(picture)  # a writable copy (PIL hands out read-only buffers)
        if array.ndim == 2:
            array = array[:, :, None]
        chw = np.ascontiguousarray(array.transpose(2, 0, 1))
        if chw.dtype == np.uint8:
            return torch.from_numpy(chw).to(dtype=torch.get_default_dtype()).div(255)
        return torch.from_numpy(chw)


class Normalize:
    """``(x - mean) / std`` per channel of a (C, H, W) tensor."""

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        mean = torch.as_tensor(self.mean, dtype=tensor.dtype).view(-1, 1, 1)
        std = torch.as_tensor(self.std, dtype=tensor.dtype).view(-1, 1, 1)
        return tensor.sub(mean).div(std)


class Lambda:
    def __init__(self, lambd):
        self.lambd = lambd

    def __call__(self, value):
        return self.lambd(value)


def _size_pair(size):
    return (size, size) if isinstance(size, numbers.Number) else tuple(size)


class Resize:
    """Bilinear resize of a PIL image; an int size sets the shorter side, as torchvision."""

    def __init__(self, size, interpolation=Image.BILINEAR):
        self.size, self.interpolation = size, interpolation

    def __call__(self, image):
        width, height = image.size
        if isinstance(self.size, numbers.Number):
            short, long_ = sorted((width, height))
            new_short, new_long = self.size, int(self.size * long_ / short)
            new_size = (new_short, new_long) if width <= height else (new_long, new_short)
        else:
            new_size = (self.size[1], self.size[0])
        return image.resize(new_size, self.interpolation)


class CenterCrop:
    def __init__(self, size):
        self.size = _size_pair(size)

    def __call__(self, image):
        width, height = image.size
        crop_height, crop_width = self.size
        top = int(round((height - crop_height) / 2.0))
        left = int(round((width - crop_width) / 2.0))
        return image.crop((left, top, left + crop_width, top + crop_height))
