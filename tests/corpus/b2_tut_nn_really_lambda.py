# The "what is torch.nn really?" tutorial's last model (our code): a Lambda module wrapping
# a plain function, `preprocess` reshaping the flat 784-pixel batch with x.view(-1, 1, 28,
# 28), an nn.Sequential of strided convs ending in nn.AdaptiveAvgPool2d(1) and
# Lambda(lambda x: x.view(x.size(0), -1)); the batch arrives flat, as the DataLoader gives it.
convention: pytorch
input: (64, 784)

import math

import torch
from torch import nn
import torch.nn.functional as F
from torch import optim

bs = 64
lr = 0.1


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x):
    return x.view(-1, 1, 28, 28)


model = nn.Sequential(
    Lambda(preprocess),
    nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
loss_func = F.cross_entropy
