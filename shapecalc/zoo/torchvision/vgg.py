# VGG as torchvision.models builds it (torchvision 0.28). Simonyan & Zisserman, "Very Deep
# Convolutional Networks for Large-Scale Image Recognition" (ICLR 2015, Table 1): configurations
# A (vgg11), B (vgg13), D (vgg16) and E (vgg19) of 3x3 convs (padding 1) and 2x2 max pools;
# the _bn variants put a BatchNorm2d after each conv (Ioffe & Szegedy 2015). torchvision adds
# an adaptive 7x7 average pool before the classifier, so any input of at least 32x32 works.
# Builders: vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn (weights=None,
# num_classes=1000, init_weights=True, dropout=0.5). Weights need num_classes=1000.
import torch
from torch import nn
from torchvision.models._utils import _ovewrite_named_param


class VGG(nn.Module):
    def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


def make_layers(cfg, batch_norm=False):
    layers = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
        else:
            conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
            if batch_norm:
                layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            else:
                layers += [conv2d, nn.ReLU(inplace=True)]
            in_channels = v
    return nn.Sequential(*layers)


# the paper's Table 1: numbers are the output channels of 3x3 convs, "M" a 2x2 max pool
cfgs = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
          512, 512, 512, 512, "M"],
}


def _vgg(cfg, batch_norm, weights, progress, kwargs):
    if weights is not None:
        kwargs["init_weights"] = False
        _ovewrite_named_param(kwargs, "num_classes", 1000)
    return VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs)


def vgg11(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _vgg("A", False, weights or pretrained or None, progress, kwargs)


def vgg11_bn(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _vgg("A", True, weights or pretrained or None, progress, kwargs)


def vgg13(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _vgg("B", False, weights or pretrained or None, progress, kwargs)


def vgg13_bn(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _vgg("B", True, weights or pretrained or None, progress, kwargs)


def vgg16(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _vgg("D", False, weights or pretrained or None, progress, kwargs)


def vgg16_bn(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _vgg("D", True, weights or pretrained or None, progress, kwargs)


def vgg19(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _vgg("E", False, weights or pretrained or None, progress, kwargs)


def vgg19_bn(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _vgg("E", True, weights or pretrained or None, progress, kwargs)
