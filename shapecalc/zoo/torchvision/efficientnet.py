# EfficientNet-B0 to B7 as torchvision.models builds them (torchvision 0.28). Tan & Le,
# "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks" (ICML 2019,
# Table 1): a 3x3/2 stem of 32, seven stages of MBConv blocks (expansion, kernel, stride,
# channels in/out, repeats), a 1x1 conv to four times the last channels, global average pool,
# dropout and a linear classifier. Each MBConv: a 1x1 expansion (when the ratio is not 1), a
# depthwise conv, squeeze-and-excitation to a quarter of the block's input channels, a linear
# 1x1 projection, and a residual when the shape allows; SiLU activations. Bn scales the
# channels by width_mult (rounded to multiples of 8) and the repeats by depth_mult (rounded
# up); stochastic depth is the identity in eval mode. B5-B7 use BatchNorm eps=1e-3 (no change
# in counts).
# Builders: efficientnet_b0 ... efficientnet_b7 (weights=None, num_classes=1000, dropout,
# stochastic_depth_prob=0.2, norm_layer). Weights need num_classes=1000.
import copy
import math
from functools import partial

import torch
from torch import nn
from torchvision.ops.misc import Conv2dNormActivation, SqueezeExcitation
from torchvision.ops import StochasticDepth
from torchvision.models._utils import _make_divisible, _ovewrite_named_param


class MBConvConfig:
    def __init__(self, expand_ratio, kernel, stride, input_channels, out_channels, num_layers,
                 width_mult=1.0, depth_mult=1.0):
        self.expand_ratio = expand_ratio
        self.kernel = kernel
        self.stride = stride
        self.input_channels = self.adjust_channels(input_channels, width_mult)
        self.out_channels = self.adjust_channels(out_channels, width_mult)
        self.num_layers = int(math.ceil(num_layers * depth_mult))

    @staticmethod
    def adjust_channels(channels, width_mult, min_value=None):
        return _make_divisible(channels * width_mult, 8, min_value)


class MBConv(nn.Module):
    def __init__(self, cnf, stochastic_depth_prob, norm_layer):
        super().__init__()
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        layers = []
        activation_layer = nn.SiLU
        expanded_channels = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        if expanded_channels != cnf.input_channels:  # expand
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded_channels,
                                               kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=activation_layer))
        # depthwise
        layers.append(Conv2dNormActivation(expanded_channels, expanded_channels,
                                           kernel_size=cnf.kernel, stride=cnf.stride,
                                           groups=expanded_channels, norm_layer=norm_layer,
                                           activation_layer=activation_layer))
        # squeeze and excitation
        squeeze_channels = max(1, cnf.input_channels // 4)
        layers.append(SqueezeExcitation(expanded_channels, squeeze_channels,
                                        activation=partial(nn.SiLU, inplace=True)))
        # linear projection
        layers.append(Conv2dNormActivation(expanded_channels, cnf.out_channels, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, input):
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result)
            result += input
        return result


class EfficientNet(nn.Module):
    def __init__(self, inverted_residual_setting, dropout, stochastic_depth_prob=0.2,
                 num_classes=1000, norm_layer=None, last_channel=None):
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        layers = []
        firstconv_output_channels = inverted_residual_setting[0].input_channels
        layers.append(Conv2dNormActivation(3, firstconv_output_channels, kernel_size=3,
                                           stride=2, norm_layer=norm_layer,
                                           activation_layer=nn.SiLU))
        total_stage_blocks = sum(cnf.num_layers for cnf in inverted_residual_setting)
        stage_block_id = 0
        for cnf in inverted_residual_setting:
            stage = []
            for _ in range(cnf.num_layers):
                block_cnf = copy.copy(cnf)
                if stage:  # the first block of a stage changes channels and stride
                    block_cnf.input_channels = block_cnf.out_channels
                    block_cnf.stride = 1
                sd_prob = stochastic_depth_prob * float(stage_block_id) / total_stage_blocks
                stage.append(MBConv(block_cnf, sd_prob, norm_layer))
                stage_block_id += 1
            layers.append(nn.Sequential(*stage))
        lastconv_input_channels = inverted_residual_setting[-1].out_channels
        lastconv_output_channels = last_channel if last_channel is not None \
            else 4 * lastconv_input_channels
        layers.append(Conv2dNormActivation(lastconv_input_channels, lastconv_output_channels,
                                           kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True),
                                        nn.Linear(lastconv_output_channels, num_classes))

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


def _efficientnet_conf(width_mult, depth_mult):
    bneck_conf = partial(MBConvConfig, width_mult=width_mult, depth_mult=depth_mult)
    return [  # the paper's Table 1, stages 2 to 8
        bneck_conf(1, 3, 1, 32, 16, 1),
        bneck_conf(6, 3, 2, 16, 24, 2),
        bneck_conf(6, 5, 2, 24, 40, 2),
        bneck_conf(6, 3, 2, 40, 80, 3),
        bneck_conf(6, 5, 1, 80, 112, 3),
        bneck_conf(6, 5, 2, 112, 192, 4),
        bneck_conf(6, 3, 1, 192, 320, 1),
    ]


def _efficientnet(width_mult, depth_mult, dropout, weights, kwargs, norm_layer=None):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", 1000)
    if norm_layer is not None:
        kwargs["norm_layer"] = norm_layer
    return EfficientNet(_efficientnet_conf(width_mult, depth_mult), kwargs.pop("dropout", dropout),
                        **kwargs)


def efficientnet_b0(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _efficientnet(1.0, 1.0, 0.2, weights or pretrained or None, kwargs)


def efficientnet_b1(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _efficientnet(1.0, 1.1, 0.2, weights or pretrained or None, kwargs)


def efficientnet_b2(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _efficientnet(1.1, 1.2, 0.3, weights or pretrained or None, kwargs)


def efficientnet_b3(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _efficientnet(1.2, 1.4, 0.3, weights or pretrained or None, kwargs)


def efficientnet_b4(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _efficientnet(1.4, 1.8, 0.4, weights or pretrained or None, kwargs)


def efficientnet_b5(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _efficientnet(1.6, 2.2, 0.4, weights or pretrained or None, kwargs,
                         partial(nn.BatchNorm2d, eps=0.001, momentum=0.01))


def efficientnet_b6(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _efficientnet(1.8, 2.6, 0.5, weights or pretrained or None, kwargs,
                         partial(nn.BatchNorm2d, eps=0.001, momentum=0.01))


def efficientnet_b7(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _efficientnet(2.0, 3.1, 0.5, weights or pretrained or None, kwargs,
                         partial(nn.BatchNorm2d, eps=0.001, momentum=0.01))
