"""A stand-in for the data side of ``torchvision`` (datasets, transforms, utils), for
tests/corpus/record.py.

Written for this project. The pytorch/examples scripts import torchvision for their data
loaders only; the PyPI torchvision wheel is linked against CUDA torch and does not load next
to torch 2.13.0+cpu. Here a data set is a few zero images of its real shape (nothing is
downloaded), a transform passes its input through, and save_image writes nothing.
``build()`` returns the package module with ``datasets``, ``transforms`` and ``utils``.
"""

from __future__ import annotations

import types

import torch
from torch.utils.data import Dataset


class _Images(Dataset):
    """``count`` zero images of ``shape`` with label 0."""

    def __init__(self, shape, count=16, transform=None, target_transform=None):
        self.images = torch.zeros((count,) + tuple(shape))
        self.labels = torch.zeros(count, dtype=torch.int64)
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]


def MNIST(root, train=True, transform=None, target_transform=None, download=False):
    return _Images((1, 28, 28), transform=transform, target_transform=target_transform)


def FashionMNIST(root, train=True, transform=None, target_transform=None, download=False):
    return _Images((1, 28, 28), transform=transform, target_transform=target_transform)


def CIFAR10(root, train=True, transform=None, target_transform=None, download=False):
    return _Images((3, 32, 32), transform=transform, target_transform=target_transform)


def FakeData(size=1000, image_size=(3, 224, 224), num_classes=10, transform=None,
             target_transform=None, random_offset=0):
    return _Images(image_size, count=min(size, 16), transform=transform,
                   target_transform=target_transform)


class _Transform:
    """Any transform: keeps its arguments, returns its input."""

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs

    def __call__(self, x):
        return x


class Compose(_Transform):
    pass


def save_image(tensor, fp, **kwargs):
    return None


def make_grid(tensor, **kwargs):
    return tensor


def build() -> types.ModuleType:
    package = types.ModuleType("torchvision")
    package.datasets = types.ModuleType("torchvision.datasets")
    for name in ("MNIST", "FashionMNIST", "CIFAR10", "FakeData"):
        setattr(package.datasets, name, globals()[name])
    package.transforms = types.ModuleType("torchvision.transforms")
    package.transforms.Compose = Compose
    for name in ("ToTensor", "Normalize", "Resize", "CenterCrop", "RandomCrop",
                 "RandomHorizontalFlip", "Lambda"):
        setattr(package.transforms, name, type(name, (_Transform,), {}))
    package.utils = types.ModuleType("torchvision.utils")
    package.utils.save_image = save_image
    package.utils.make_grid = make_grid
    return package
