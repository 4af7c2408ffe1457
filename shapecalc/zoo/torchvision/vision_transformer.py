# Vision Transformers as torchvision.models builds them (torchvision 0.28). Dosovitskiy et al.,
# "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale" (ICLR 2021,
# Table 1): the image cut into patches by a strided conv, a learned class token and position
# embedding, pre-norm encoder blocks (LayerNorm eps 1e-6, multi-head self-attention, an MLP
# with GELU), a final LayerNorm, and a linear head on the class token. The input must be
# image_size x image_size (224 by default).
# Builders: vit_b_16, vit_b_32, vit_l_16, vit_l_32, vit_h_14 (weights=None, num_classes=1000,
# image_size=224, dropout=0.0, attention_dropout=0.0, representation_size=None). Weights fix
# the image size: 224 for the IMAGENET1K_V1 weights; the SWAG end-to-end weights 384 (B/16),
# 512 (L/16) or 518 (H/14, its DEFAULT); the SWAG linear-probe weights 224.
from collections import OrderedDict
from functools import partial

import torch
from torch import nn
from torchvision.ops.misc import MLP
from torchvision.models._utils import _ovewrite_named_param


class MLPBlock(MLP):
    def __init__(self, in_dim, mlp_dim, dropout):
        super().__init__(in_dim, [mlp_dim, in_dim], activation_layer=nn.GELU, inplace=None,
                         dropout=dropout)


class EncoderBlock(nn.Module):
    def __init__(self, num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                 norm_layer=partial(nn.LayerNorm, eps=1e-6)):
        super().__init__()
        self.num_heads = num_heads
        self.ln_1 = norm_layer(hidden_dim)
        self.self_attention = nn.MultiheadAttention(hidden_dim, num_heads,
                                                    dropout=attention_dropout, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.ln_2 = norm_layer(hidden_dim)
        self.mlp = MLPBlock(hidden_dim, mlp_dim, dropout)

    def forward(self, input):
        torch._assert(input.dim() == 3, f"Expected (batch_size, seq_length, hidden_dim) got {input.shape}")
        x = self.ln_1(input)
        x, _ = self.self_attention(x, x, x, need_weights=False)
        x = self.dropout(x)
        x = x + input
        y = self.mlp(self.ln_2(x))
        return x + y


class Encoder(nn.Module):
    def __init__(self, seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout,
                 attention_dropout, norm_layer=partial(nn.LayerNorm, eps=1e-6)):
        super().__init__()
        self.pos_embedding = nn.Parameter(torch.empty(1, seq_length, hidden_dim).normal_(std=0.02))
        self.dropout = nn.Dropout(dropout)
        layers = OrderedDict()
        for i in range(num_layers):
            layers[f"encoder_layer_{i}"] = EncoderBlock(num_heads, hidden_dim, mlp_dim, dropout,
                                                        attention_dropout, norm_layer)
        self.layers = nn.Sequential(layers)
        self.ln = norm_layer(hidden_dim)

    def forward(self, input):
        torch._assert(input.dim() == 3, f"Expected (batch_size, seq_length, hidden_dim) got {input.shape}")
        input = input + self.pos_embedding
        return self.ln(self.layers(self.dropout(input)))


class VisionTransformer(nn.Module):
    def __init__(self, image_size, patch_size, num_layers, num_heads, hidden_dim, mlp_dim,
                 dropout=0.0, attention_dropout=0.0, num_classes=1000, representation_size=None,
                 norm_layer=partial(nn.LayerNorm, eps=1e-6), conv_stem_configs=None):
        super().__init__()
        if image_size % patch_size != 0:
            raise AssertionError("Input shape indivisible by patch size!")
        self.image_size = image_size
        self.patch_size = patch_size
        self.hidden_dim = hidden_dim
        self.mlp_dim = mlp_dim
        self.num_classes = num_classes
        self.representation_size = representation_size
        self.conv_proj = nn.Conv2d(3, hidden_dim, kernel_size=patch_size, stride=patch_size)
        seq_length = (image_size // patch_size) ** 2
        self.class_token = nn.Parameter(torch.zeros(1, 1, hidden_dim))
        seq_length += 1
        self.encoder = Encoder(seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout,
                               attention_dropout, norm_layer)
        self.seq_length = seq_length
        heads_layers = OrderedDict()
        if representation_size is None:
            heads_layers["head"] = nn.Linear(hidden_dim, num_classes)
        else:
            heads_layers["pre_logits"] = nn.Linear(hidden_dim, representation_size)
            heads_layers["act"] = nn.Tanh()
            heads_layers["head"] = nn.Linear(representation_size, num_classes)
        self.heads = nn.Sequential(heads_layers)

    def _process_input(self, x):
        n, c, h, w = x.shape
        p = self.patch_size
        if h != self.image_size:  # torch._assert's refusal
            raise AssertionError(f"Wrong image height! Expected {self.image_size} but got {h}!")
        if w != self.image_size:
            raise AssertionError(f"Wrong image width! Expected {self.image_size} but got {w}!")
        n_h = h // p
        n_w = w // p
        x = self.conv_proj(x)
        x = x.reshape(n, self.hidden_dim, n_h * n_w)
        return x.permute(0, 2, 1)

    def forward(self, x):
        x = self._process_input(x)
        n = x.shape[0]
        batch_class_token = self.class_token.expand(n, -1, -1)
        x = torch.cat([batch_class_token, x], dim=1)
        x = self.encoder(x)
        x = x[:, 0]
        return self.heads(x)


# the image size each pretrained weight set fixes (a name's last part; DEFAULT per model)
_WEIGHT_SIZES = {"IMAGENET1K_V1": 224, "IMAGENET1K_SWAG_LINEAR_V1": 224}
_SWAG_E2E = {"vit_b_16": 384, "vit_l_16": 512, "vit_h_14": 518}


def _vision_transformer(arch, patch_size, num_layers, num_heads, hidden_dim, mlp_dim, weights,
                        kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", 1000)
        name = str(weights).split(".")[-1]
        if name == "DEFAULT":
            name = "IMAGENET1K_SWAG_E2E_V1" if arch == "vit_h_14" else "IMAGENET1K_V1"
        size = _SWAG_E2E[arch] if name == "IMAGENET1K_SWAG_E2E_V1" else _WEIGHT_SIZES.get(name, 224)
        _ovewrite_named_param(kwargs, "image_size", size)
    image_size = kwargs.pop("image_size", 224)
    return VisionTransformer(image_size=image_size, patch_size=patch_size, num_layers=num_layers,
                             num_heads=num_heads, hidden_dim=hidden_dim, mlp_dim=mlp_dim, **kwargs)


def vit_b_16(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _vision_transformer("vit_b_16", 16, 12, 12, 768, 3072,
                               weights or pretrained or None, kwargs)


def vit_b_32(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _vision_transformer("vit_b_32", 32, 12, 12, 768, 3072,
                               weights or pretrained or None, kwargs)


def vit_l_16(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _vision_transformer("vit_l_16", 16, 24, 16, 1024, 4096,
                               weights or pretrained or None, kwargs)


def vit_l_32(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _vision_transformer("vit_l_32", 32, 24, 16, 1024, 4096,
                               weights or pretrained or None, kwargs)


def vit_h_14(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _vision_transformer("vit_h_14", 14, 32, 16, 1280, 5120,
                               weights or pretrained or None, kwargs)
