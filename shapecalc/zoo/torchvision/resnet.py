# ResNet, ResNeXt and Wide ResNet as torchvision.models builds them (torchvision 0.28).
# He, Zhang, Ren & Sun, "Deep Residual Learning for Image Recognition" (CVPR 2016, Table 1);
# Xie et al., "Aggregated Residual Transformations" (ResNeXt, CVPR 2017); Zagoruyko &
# Komodakis, "Wide Residual Networks" (BMVC 2016). torchvision's bottleneck is "ResNet v1.5":
# a downsampling block strides on its 3x3 conv, not on the first 1x1.
# Builders: resnet18/34/50/101/152, resnext50_32x4d, resnext101_32x8d, resnext101_64x4d,
# wide_resnet50_2, wide_resnet101_2 (weights=None, num_classes=1000, groups, width_per_group,
# replace_stride_with_dilation, zero_init_residual, norm_layer). Pretrained weights
# (weights=ResNet50_Weights.DEFAULT, "IMAGENET1K_V1", pretrained=True) change no count; they
# need num_classes=1000.
import torch
from torch import nn
from torchvision.models._utils import _ovewrite_named_param


def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation,
                     groups=groups, bias=False, dilation=dilation)


def conv1x1(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    # two 3x3 convs (ResNet-18/34)
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64,
                 dilation=1, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    # 1x1 reduce, 3x3 (grouped for ResNeXt, strided when downsampling), 1x1 expand by 4
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64,
                 dilation=1, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, groups=1,
                 width_per_group=64, replace_stride_with_dilation=None, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self._norm_layer = norm_layer
        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None or a 3-element "
                             f"tuple, got {replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        # stem: 7x7/2 conv, 3x3/2 max pool (the paper's conv1 and the start of conv2_x)
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2,
                                       dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2,
                                       dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2,
                                       dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            # the projection shortcut: a strided 1x1 conv and a norm
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width,
                        previous_dilation, norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups,
                                base_width=self.base_width, dilation=self.dilation,
                                norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


def _resnet(block, layers, weights, progress, kwargs):
    if weights is not None:  # ImageNet-1k weights: 1000 classes
        _ovewrite_named_param(kwargs, "num_classes", 1000)
    return ResNet(block, layers, **kwargs)


def resnet18(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _resnet(BasicBlock, [2, 2, 2, 2], weights or pretrained or None, progress, kwargs)


def resnet34(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _resnet(BasicBlock, [3, 4, 6, 3], weights or pretrained or None, progress, kwargs)


def resnet50(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _resnet(Bottleneck, [3, 4, 6, 3], weights or pretrained or None, progress, kwargs)


def resnet101(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _resnet(Bottleneck, [3, 4, 23, 3], weights or pretrained or None, progress, kwargs)


def resnet152(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _resnet(Bottleneck, [3, 8, 36, 3], weights or pretrained or None, progress, kwargs)


def resnext50_32x4d(*, weights=None, progress=True, pretrained=False, **kwargs):
    _ovewrite_named_param(kwargs, "groups", 32)
    _ovewrite_named_param(kwargs, "width_per_group", 4)
    return _resnet(Bottleneck, [3, 4, 6, 3], weights or pretrained or None, progress, kwargs)


def resnext101_32x8d(*, weights=None, progress=True, pretrained=False, **kwargs):
    _ovewrite_named_param(kwargs, "groups", 32)
    _ovewrite_named_param(kwargs, "width_per_group", 8)
    return _resnet(Bottleneck, [3, 4, 23, 3], weights or pretrained or None, progress, kwargs)


def resnext101_64x4d(*, weights=None, progress=True, pretrained=False, **kwargs):
    _ovewrite_named_param(kwargs, "groups", 64)
    _ovewrite_named_param(kwargs, "width_per_group", 4)
    return _resnet(Bottleneck, [3, 4, 23, 3], weights or pretrained or None, progress, kwargs)


def wide_resnet50_2(*, weights=None, progress=True, pretrained=False, **kwargs):
    _ovewrite_named_param(kwargs, "width_per_group", 64 * 2)
    return _resnet(Bottleneck, [3, 4, 6, 3], weights or pretrained or None, progress, kwargs)


def wide_resnet101_2(*, weights=None, progress=True, pretrained=False, **kwargs):
    _ovewrite_named_param(kwargs, "width_per_group", 64 * 2)
    return _resnet(Bottleneck, [3, 4, 23, 3], weights or pretrained or None, progress, kwargs)
