# An MNASNet-like network (Tan et al., 2018: MNASNet-A1's base depths 32, 16, 24, 40, 80,
# 96, 192, 320 with its kernel / expansion / repeat table) at width 0.5 on 64x64. Idioms: a
# rounding helper, a list comprehension of widths, a stage helper returning
# nn.Sequential(head, *tail), a module-level BN momentum constant, x.mean([2, 3]).
convention: pytorch
input: (1, 3, 64, 64)

import torch
import torch.nn as nn

BN_MOM = 0.0003

# kernel, stride, expansion, repeats for each stage after the separable stem
STAGES = [
    (3, 2, 3, 3),
    (5, 2, 3, 3),
    (5, 2, 6, 3),
    (3, 1, 6, 2),
    (5, 2, 6, 4),
    (3, 1, 6, 1),
]


def round_channels(value: float, multiple: int = 8, bias: float = 0.9) -> int:
    rounded = max(multiple, int(value + multiple / 2) // multiple * multiple)
    if rounded < bias * value:  # never round down by more than 10%
        rounded += multiple
    return rounded


class MBConv(nn.Module):
    """Inverted residual: 1x1 expand, kxk depthwise, 1x1 linear project."""

    def __init__(self, cin, cout, k, stride, expand, momentum=0.1):
        super().__init__()
        hidden = cin * expand
        self.skip = stride == 1 and cin == cout
        self.body = nn.Sequential(
            nn.Conv2d(cin, hidden, 1, bias=False),
            nn.BatchNorm2d(hidden, momentum=momentum),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, hidden, k, stride=stride, padding=k // 2, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden, momentum=momentum),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, cout, 1, bias=False),
            nn.BatchNorm2d(cout, momentum=momentum),
        )

    def forward(self, x):
        y = self.body(x)
        return x + y if self.skip else y


def make_stage(cin, cout, k, stride, expand, repeats, momentum=BN_MOM):
    head = MBConv(cin, cout, k, stride, expand, momentum)
    tail = [MBConv(cout, cout, k, 1, expand, momentum) for _ in range(repeats - 1)]
    return nn.Sequential(head, *tail)


class MnasNetLike(nn.Module):
    def __init__(self, width: float = 1.0, num_classes: int = 1000, dropout: float = 0.2):
        super().__init__()
        widths = [round_channels(w * width) for w in (32, 16, 24, 40, 80, 96, 192, 320)]
        stem = [
            nn.Conv2d(3, widths[0], 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(widths[0], momentum=BN_MOM),
            nn.ReLU(inplace=True),
            nn.Conv2d(widths[0], widths[0], 3, padding=1, groups=widths[0], bias=False),
            nn.BatchNorm2d(widths[0], momentum=BN_MOM),
            nn.ReLU(inplace=True),
            nn.Conv2d(widths[0], widths[1], 1, bias=False),
            nn.BatchNorm2d(widths[1], momentum=BN_MOM),
        ]
        stages = []
        for i, (k, s, e, r) in enumerate(STAGES):
            stages.append(make_stage(widths[i + 1], widths[i + 2], k, s, e, r))
        head = [
            nn.Conv2d(widths[-1], 1280, 1, bias=False),
            nn.BatchNorm2d(1280, momentum=BN_MOM),
            nn.ReLU(inplace=True),
        ]
        self.layers = nn.Sequential(*stem, *stages, *head)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True),
                                        nn.Linear(1280, num_classes))

    def forward(self, x):
        x = self.layers(x)
        x = x.mean([2, 3])  # global average pool, H and W dropped
        return self.classifier(x)


model = MnasNetLike(width=0.5, num_classes=10)
