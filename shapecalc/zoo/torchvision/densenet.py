# DenseNet as torchvision.models builds it (torchvision 0.28). Huang, Liu, van der Maaten &
# Weinberger, "Densely Connected Convolutional Networks" (CVPR 2017, Table 1): DenseNet-BC,
# each layer BN-ReLU-1x1 conv (bn_size x growth) - BN-ReLU-3x3 conv (growth) on the
# concatenation of all earlier features of its block; transitions halve the channels (1x1
# conv) and the size (2x2 average pool). A 7x7/2 stem of num_init_features and a 3x3/2 max
# pool; a final BatchNorm, ReLU, global average pool and linear classifier.
# Builders: densenet121, densenet161, densenet169, densenet201 (weights=None,
# num_classes=1000, growth_rate, block_config, num_init_features, bn_size=4, drop_rate=0,
# memory_efficient=False: checkpointing, no change in counts).
import torch
from torch import nn
from torch.nn import functional as F
from torchvision.models._utils import _ovewrite_named_param


class _DenseLayer(nn.Module):
    def __init__(self, num_input_features, growth_rate, bn_size, drop_rate,
                 memory_efficient=False):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1,
                               stride=1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1,
                               padding=1, bias=False)
        self.drop_rate = float(drop_rate)

    def forward(self, features):
        concated = torch.cat(features, 1)
        bottleneck = self.conv1(self.relu1(self.norm1(concated)))
        new_features = self.conv2(self.relu2(self.norm2(bottleneck)))
        if self.drop_rate > 0:
            new_features = F.dropout(new_features, p=self.drop_rate, training=self.training)
        return new_features


class _DenseBlock(nn.ModuleDict):
    def __init__(self, num_layers, num_input_features, bn_size, growth_rate, drop_rate,
                 memory_efficient=False):
        super().__init__()
        for i in range(num_layers):
            layer = _DenseLayer(num_input_features + i * growth_rate, growth_rate=growth_rate,
                                bn_size=bn_size, drop_rate=drop_rate,
                                memory_efficient=memory_efficient)
            self.add_module("denselayer%d" % (i + 1), layer)

    def forward(self, init_features):
        features = [init_features]
        for name, layer in self.items():
            features.append(layer(features))
        return torch.cat(features, 1)


class _Transition(nn.Sequential):
    def __init__(self, num_input_features, num_output_features):
        super().__init__()
        self.norm = nn.BatchNorm2d(num_input_features)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1,
                              bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)


class DenseNet(nn.Module):
    def __init__(self, growth_rate=32, block_config=(6, 12, 24, 16), num_init_features=64,
                 bn_size=4, drop_rate=0, num_classes=1000, memory_efficient=False):
        super().__init__()
        self.features = nn.Sequential()
        self.features.add_module("conv0", nn.Conv2d(3, num_init_features, kernel_size=7,
                                                     stride=2, padding=3, bias=False))
        self.features.add_module("norm0", nn.BatchNorm2d(num_init_features))
        self.features.add_module("relu0", nn.ReLU(inplace=True))
        self.features.add_module("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            block = _DenseBlock(num_layers=num_layers, num_input_features=num_features,
                                bn_size=bn_size, growth_rate=growth_rate, drop_rate=drop_rate,
                                memory_efficient=memory_efficient)
            self.features.add_module("denseblock%d" % (i + 1), block)
            num_features = num_features + num_layers * growth_rate
            if i != len(block_config) - 1:
                trans = _Transition(num_input_features=num_features,
                                    num_output_features=num_features // 2)
                self.features.add_module("transition%d" % (i + 1), trans)
                num_features = num_features // 2
        self.features.add_module("norm5", nn.BatchNorm2d(num_features))
        self.classifier = nn.Linear(num_features, num_classes)

    def forward(self, x):
        features = self.features(x)
        out = F.relu(features, inplace=True)
        out = F.adaptive_avg_pool2d(out, (1, 1))
        out = torch.flatten(out, 1)
        return self.classifier(out)


def _densenet(growth_rate, block_config, num_init_features, weights, progress, kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", 1000)
    return DenseNet(growth_rate, block_config, num_init_features, **kwargs)


def densenet121(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _densenet(32, (6, 12, 24, 16), 64, weights or pretrained or None, progress, kwargs)


def densenet161(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _densenet(48, (6, 12, 36, 24), 96, weights or pretrained or None, progress, kwargs)


def densenet169(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _densenet(32, (6, 12, 32, 32), 64, weights or pretrained or None, progress, kwargs)


def densenet201(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _densenet(32, (6, 12, 48, 32), 64, weights or pretrained or None, progress, kwargs)
