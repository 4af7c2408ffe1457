# ResNet-50 (He et al., 2015: bottleneck blocks [3, 4, 6, 3], expansion 4) written as a
# generic base class that defines forward, and a subclass that only fixes the arguments in
# __init__ with the two-argument super() form.
convention: pytorch
input: (1, 3, 64, 64)

import torch
import torch.nn as nn
import torch.nn.functional as F


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_planes, planes, stride=1):
        super(Bottleneck, self).__init__()
        width = planes
        self.conv1 = nn.Conv2d(in_planes, width, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, self.expansion * planes, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(self.expansion * planes)

        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != self.expansion * planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(self.expansion * planes),
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        out = out + self.shortcut(x)
        return F.relu(out)


class ResNetBase(nn.Module):
    """A ResNet for ImageNet-style inputs; subclasses choose the block and the depths."""

    def __init__(self, block, num_blocks, num_classes=1000, width=64):
        super(ResNetBase, self).__init__()
        self.in_planes = width
        self.stem = nn.Sequential(
            nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        )
        stages = []
        for i, n in enumerate(num_blocks):
            stride = 1 if i == 0 else 2
            stages.append(self._make_stage(block, width * 2 ** i, n, stride))
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(self.in_planes, num_classes)

    def _make_stage(self, block, planes, num_blocks, stride):
        strides = [stride] + [1] * (num_blocks - 1)
        layers = []
        for s in strides:
            layers.append(block(self.in_planes, planes, s))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.stem(x)
        x = self.stages(x)
        x = self.pool(x)
        x = x.flatten(1)
        return self.fc(x)


class ResNet50(ResNetBase):
    def __init__(self, num_classes=1000):
        super(ResNet50, self).__init__(Bottleneck, [3, 4, 6, 3], num_classes=num_classes)


model = ResNet50(num_classes=100)
model.eval()
