# ConvNeXt as torchvision.models builds it (torchvision 0.28). Liu et al., "A ConvNet for the
# 2020s" (CVPR 2022): a 4x4/4 "patchify" stem with LayerNorm, four stages of ConvNeXt blocks
# (7x7 depthwise conv, LayerNorm, Linear to 4x, GELU, Linear back, a learned per-channel
# layer scale, the residual), each stage but the last followed by a LayerNorm and a 2x2/2 conv
# that doubles the channels; global average pool, LayerNorm, Flatten and the classifier.
# LayerNorms over channels (eps 1e-6) permute to channels-last and back; stochastic depth is
# the identity in eval mode.
# Builders: convnext_tiny, convnext_small, convnext_base, convnext_large (weights=None,
# num_classes=1000, stochastic_depth_prob, layer_scale=1e-6).
from functools import partial

import torch
from torch import nn
from torch.nn import functional as F
from torchvision.ops.misc import Conv2dNormActivation, Permute
from torchvision.ops import StochasticDepth
from torchvision.models._utils import _ovewrite_named_param


class LayerNorm2d(nn.LayerNorm):
    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class CNBlock(nn.Module):
    def __init__(self, dim, layer_scale, stochastic_depth_prob, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = partial(nn.LayerNorm, eps=1e-6)
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True),
            Permute([0, 2, 3, 1]),
            norm_layer(dim),
            nn.Linear(in_features=dim, out_features=4 * dim, bias=True),
            nn.GELU(),
            nn.Linear(in_features=4 * dim, out_features=dim, bias=True),
            Permute([0, 3, 1, 2]),
        )
        self.layer_scale = nn.Parameter(torch.ones(dim, 1, 1) * layer_scale)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")

    def forward(self, input):
        result = self.layer_scale * self.block(input)
        result = self.stochastic_depth(result)
        result += input
        return result


class CNBlockConfig:
    def __init__(self, input_channels, out_channels, num_layers):
        self.input_channels = input_channels
        self.out_channels = out_channels
        self.num_layers = num_layers


class ConvNeXt(nn.Module):
    def __init__(self, block_setting, stochastic_depth_prob=0.0, layer_scale=1e-6,
                 num_classes=1000, block=None, norm_layer=None, **kwargs):
        super().__init__()
        if not block_setting:
            raise ValueError("The block_setting should not be empty")
        if block is None:
            block = CNBlock
        if norm_layer is None:
            norm_layer = partial(LayerNorm2d, eps=1e-6)
        layers = []
        firstconv_output_channels = block_setting[0].input_channels
        layers.append(Conv2dNormActivation(3, firstconv_output_channels, kernel_size=4, stride=4,
                                           padding=0, norm_layer=norm_layer,
                                           activation_layer=None, bias=True))
        total_stage_blocks = sum(cnf.num_layers for cnf in block_setting)
        stage_block_id = 0
        for cnf in block_setting:
            stage = []
            for _ in range(cnf.num_layers):
                sd_prob = stochastic_depth_prob * stage_block_id / (total_stage_blocks - 1.0)
                stage.append(block(cnf.input_channels, layer_scale, sd_prob))
                stage_block_id += 1
            layers.append(nn.Sequential(*stage))
            if cnf.out_channels is not None:  # downsampling
                layers.append(nn.Sequential(
                    norm_layer(cnf.input_channels),
                    nn.Conv2d(cnf.input_channels, cnf.out_channels, kernel_size=2, stride=2)))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        lastblock = block_setting[-1]
        lastconv_output_channels = lastblock.out_channels if lastblock.out_channels is not None \
            else lastblock.input_channels
        self.classifier = nn.Sequential(norm_layer(lastconv_output_channels), nn.Flatten(1),
                                        nn.Linear(lastconv_output_channels, num_classes))

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        return self.classifier(x)


def _convnext(block_setting, stochastic_depth_prob, weights, kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", 1000)
    return ConvNeXt(block_setting, kwargs.pop("stochastic_depth_prob", stochastic_depth_prob),
                    **kwargs)


def convnext_tiny(*, weights=None, progress=True, **kwargs):
    setting = [CNBlockConfig(96, 192, 3), CNBlockConfig(192, 384, 3), CNBlockConfig(384, 768, 9),
               CNBlockConfig(768, None, 3)]
    return _convnext(setting, 0.1, weights, kwargs)


def convnext_small(*, weights=None, progress=True, **kwargs):
    setting = [CNBlockConfig(96, 192, 3), CNBlockConfig(192, 384, 3),
               CNBlockConfig(384, 768, 27), CNBlockConfig(768, None, 3)]
    return _convnext(setting, 0.4, weights, kwargs)


def convnext_base(*, weights=None, progress=True, **kwargs):
    setting = [CNBlockConfig(128, 256, 3), CNBlockConfig(256, 512, 3),
               CNBlockConfig(512, 1024, 27), CNBlockConfig(1024, None, 3)]
    return _convnext(setting, 0.5, weights, kwargs)


def convnext_large(*, weights=None, progress=True, **kwargs):
    setting = [CNBlockConfig(192, 384, 3), CNBlockConfig(384, 768, 3),
               CNBlockConfig(768, 1536, 27), CNBlockConfig(1536, None, 3)]
    return _convnext(setting, 0.5, weights, kwargs)
