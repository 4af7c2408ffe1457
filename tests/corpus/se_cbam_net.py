# A small CNN with attention modules (Hu et al., 2017, squeeze-and-excitation; Woo et al.,
# 2018, CBAM spatial attention) and hard-swish (Howard et al., 2019). Idioms: a class
# attribute default `reduction = 16`, `b, c, _, _ = x.size()`, .view(b, c) / .view(b, c, 1,
# 1), y.expand_as(x), torch.mean(..., keepdim=True), `max_out, _ = torch.max(x, dim=1,
# keepdim=True)` (a tuple), torch.sigmoid, `x * F.relu6(x + 3.0) / 6.0`, x.mean(dim=(2, 3)).
convention: pytorch
input: (2, 3, 32, 32)

import torch
import torch.nn as nn
import torch.nn.functional as F


class HSwish(nn.Module):
    def forward(self, x):
        return x * F.relu6(x + 3.0) / 6.0


class SELayer(nn.Module):
    reduction = 16

    def __init__(self, channel, reduction=None):
        super(SELayer, self).__init__()
        reduction = reduction or self.reduction
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(
            nn.Linear(channel, channel // reduction, bias=False),
            nn.ReLU(inplace=True),
            nn.Linear(channel // reduction, channel, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, x):
        b, c, _, _ = x.size()
        y = self.avg_pool(x).view(b, c)
        y = self.fc(y).view(b, c, 1, 1)
        return x * y.expand_as(x)


class SpatialAttention(nn.Module):
    def __init__(self, kernel_size=7):
        super().__init__()
        assert kernel_size in (3, 7), "kernel size must be 3 or 7"
        padding = 3 if kernel_size == 7 else 1
        self.conv1 = nn.Conv2d(2, 1, kernel_size, padding=padding, bias=False)

    def forward(self, x):
        avg_out = torch.mean(x, dim=1, keepdim=True)
        max_out, _ = torch.max(x, dim=1, keepdim=True)
        attention = torch.cat([avg_out, max_out], dim=1)
        attention = torch.sigmoid(self.conv1(attention))
        return x * attention


class ConvBlock(nn.Module):
    def __init__(self, cin, cout, stride=1, use_se=True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.act = HSwish()
        self.se = SELayer(cout) if use_se else nn.Identity()
        self.sa = SpatialAttention(kernel_size=7)

    def forward(self, x):
        x = self.act(self.bn(self.conv(x)))
        x = self.se(x)
        return self.sa(x)


class AttentionNet(nn.Module):
    def __init__(self, widths=(32, 64, 128), num_classes=10):
        super().__init__()
        blocks = []
        cin = 3
        for i, w in enumerate(widths):
            blocks.append(ConvBlock(cin, w, stride=1 if i == 0 else 2, use_se=w >= 64))
            cin = w
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.blocks(x)
        x = x.mean(dim=(2, 3))
        return self.fc(x)


model = AttentionNet()
