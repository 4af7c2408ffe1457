# A small ViT built on nn.TransformerEncoder (batch_first, pre-norm, GELU) with the patch
# embedding done by unfolding by hand: reshape / permute / reshape into (B, N, p*p*C) and a
# Linear; a learned position embedding made with torch.randn * 0.02, mean pooling over the
# tokens (x.mean(dim=1)), and the head as an nn.Sequential of LayerNorm + Linear.
convention: pytorch
input: (2, 3, 32, 32)

import torch
from torch import nn


class ViT(nn.Module):
    def __init__(self, *, image_size, patch_size, num_classes, dim, depth, heads, mlp_dim,
                 channels=3, dropout=0.0):
        super().__init__()
        assert image_size % patch_size == 0, "image size must be a multiple of the patch size"
        self.patch_size = patch_size
        num_patches = (image_size // patch_size) ** 2
        patch_dim = channels * patch_size ** 2

        self.to_embedding = nn.Linear(patch_dim, dim)
        self.pos_embedding = nn.Parameter(torch.randn(1, num_patches, dim) * 0.02)
        self.dropout = nn.Dropout(dropout)

        encoder_layer = nn.TransformerEncoderLayer(
            d_model=dim, nhead=heads, dim_feedforward=mlp_dim, dropout=dropout,
            activation="gelu", batch_first=True, norm_first=True)
        self.transformer = nn.TransformerEncoder(encoder_layer, num_layers=depth,
                                                 enable_nested_tensor=False)
        self.mlp_head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, num_classes))

    def patchify(self, img):
        b, c, h, w = img.shape
        p = self.patch_size
        x = img.reshape(b, c, h // p, p, w // p, p)
        x = x.permute(0, 2, 4, 3, 5, 1)  # b, h/p, w/p, p, p, c
        return x.reshape(b, (h // p) * (w // p), p * p * c)

    def forward(self, img):
        x = self.to_embedding(self.patchify(img))
        x = self.dropout(x + self.pos_embedding)
        x = self.transformer(x)
        x = x.mean(dim=1)
        return self.mlp_head(x)


model = ViT(image_size=32, patch_size=4, num_classes=10, dim=64, depth=3, heads=4, mlp_dim=128)
