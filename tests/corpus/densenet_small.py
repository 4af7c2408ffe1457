# A small DenseNet-BC for CIFAR (Huang et al., 2016: growth rate 12, bottleneck width
# 4 x growth, compression 0.5). Idioms: each dense layer takes the list of every earlier
# feature map and torch.cat's it, a dense block that is an nn.ModuleDict filled with
# add_module(f"layer{i + 1}", ...) and iterated with .items(), a transition that is an
# nn.Sequential subclass with attributes, an OrderedDict stem, add_module on a Sequential.
convention: pytorch
input: (1, 3, 32, 32)

from collections import OrderedDict
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F


class DenseLayer(nn.Module):
    def __init__(self, in_channels: int, growth: int, bottleneck: int = 4, dropout: float = 0.0):
        super().__init__()
        inner = bottleneck * growth
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, inner, kernel_size=1, bias=False)
        self.bn2 = nn.BatchNorm2d(inner)
        self.conv2 = nn.Conv2d(inner, growth, kernel_size=3, padding=1, bias=False)
        self.dropout = dropout

    def forward(self, previous: List[torch.Tensor]) -> torch.Tensor:
        x = torch.cat(previous, 1)
        x = self.conv1(F.relu(self.bn1(x)))
        x = self.conv2(F.relu(self.bn2(x)))
        if self.dropout > 0:
            x = F.dropout(x, p=self.dropout, training=self.training)
        return x


class DenseBlock(nn.ModuleDict):
    def __init__(self, n_layers: int, in_channels: int, growth: int):
        super().__init__()
        for i in range(n_layers):
            self.add_module(f"layer{i + 1}", DenseLayer(in_channels + i * growth, growth))

    def forward(self, x):
        maps = [x]
        for _, layer in self.items():
            maps.append(layer(maps))
        return torch.cat(maps, 1)


class Transition(nn.Sequential):
    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(in_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=False)
        self.pool = nn.AvgPool2d(2)


class DenseNetBC(nn.Module):
    def __init__(self, growth=12, blocks=(4, 4, 4), compression=0.5, num_classes=10):
        super().__init__()
        channels = 2 * growth
        self.features = nn.Sequential(OrderedDict([
            ("conv0", nn.Conv2d(3, channels, kernel_size=3, padding=1, bias=False)),
        ]))
        for i, n in enumerate(blocks):
            self.features.add_module(f"block{i + 1}", DenseBlock(n, channels, growth))
            channels += n * growth
            if i < len(blocks) - 1:
                reduced = int(channels * compression)
                self.features.add_module(f"trans{i + 1}", Transition(channels, reduced))
                channels = reduced
        self.features.add_module("norm_final", nn.BatchNorm2d(channels))
        self.classifier = nn.Linear(channels, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.relu(self.features(x), inplace=True)
        x = F.adaptive_avg_pool2d(x, (1, 1))
        x = torch.flatten(x, 1)
        return self.classifier(x)


model = DenseNetBC(growth=12, blocks=(4, 4, 4), num_classes=10)
