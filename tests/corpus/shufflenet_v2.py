# ShuffleNetV2 0.5x (Ma et al., 2018: stage repeats 4, 8, 4; widths 24, 48, 96, 192, 1024)
# on 64x64. Idioms: a channel shuffle by view / transpose / contiguous / view, x.chunk(2,
# dim=1), a @staticmethod conv helper, an empty nn.Sequential() branch, stages attached with
# setattr over zip(...), x.mean([2, 3]).
convention: pytorch
input: (1, 3, 64, 64)

import torch
import torch.nn as nn


def shuffle_channels(x, groups):
    n, c, h, w = x.size()
    x = x.view(n, groups, c // groups, h, w)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(n, -1, h, w)


class ShuffleUnit(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.stride = stride
        half = cout // 2
        if stride == 2:
            self.left = nn.Sequential(
                self.dw(cin, 3, stride),
                nn.BatchNorm2d(cin),
                nn.Conv2d(cin, half, 1, bias=False),
                nn.BatchNorm2d(half),
                nn.ReLU(inplace=True),
            )
        else:
            self.left = nn.Sequential()
        right_in = cin if stride == 2 else half
        self.right = nn.Sequential(
            nn.Conv2d(right_in, half, 1, bias=False),
            nn.BatchNorm2d(half),
            nn.ReLU(inplace=True),
            self.dw(half, 3, stride),
            nn.BatchNorm2d(half),
            nn.Conv2d(half, half, 1, bias=False),
            nn.BatchNorm2d(half),
            nn.ReLU(inplace=True),
        )

    @staticmethod
    def dw(channels, kernel_size, stride=1):
        return nn.Conv2d(channels, channels, kernel_size, stride, kernel_size // 2,
                         groups=channels, bias=False)

    def forward(self, x):
        if self.stride == 1:
            a, b = x.chunk(2, dim=1)
            out = torch.cat((a, self.right(b)), dim=1)
        else:
            out = torch.cat((self.left(x), self.right(x)), dim=1)
        return shuffle_channels(out, 2)


class ShuffleNetV2(nn.Module):
    def __init__(self, repeats, widths, num_classes=1000):
        super().__init__()
        cin = widths[0]
        self.stem = nn.Sequential(
            nn.Conv2d(3, cin, 3, 2, 1, bias=False),
            nn.BatchNorm2d(cin),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        )
        names = ["stage{}".format(i) for i in (2, 3, 4)]
        for name, n, cout in zip(names, repeats, widths[1:-1]):
            units = [ShuffleUnit(cin, cout, 2)]
            units += [ShuffleUnit(cout, cout, 1) for _ in range(n - 1)]
            setattr(self, name, nn.Sequential(*units))
            cin = cout
        self.conv5 = nn.Sequential(
            nn.Conv2d(cin, widths[-1], 1, bias=False),
            nn.BatchNorm2d(widths[-1]),
            nn.ReLU(inplace=True),
        )
        self.fc = nn.Linear(widths[-1], num_classes)

    def forward(self, x):
        x = self.stem(x)
        x = self.stage2(x)
        x = self.stage3(x)
        x = self.stage4(x)
        x = self.conv5(x)
        x = x.mean([2, 3])
        return self.fc(x)


model = ShuffleNetV2([4, 8, 4], [24, 48, 96, 192, 1024], num_classes=10)
