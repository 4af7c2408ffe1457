# A multi-task MLP for tabular data, written to exercise common container idioms: a class
# attribute holding a layer class, register_buffer for normalisation statistics, a
# @staticmethod, an nn.ModuleList filled over enumerate(zip(dims[:-1], dims[1:])) and zipped
# with another ModuleList in forward, a comprehension of LayerNorms, add_module(f"drop{i}")
# read back with getattr, one Linear called twice (weights shared), split / unsqueeze /
# squeeze / torch.matmul, x.size(1), and an nn.ModuleDict of heads giving a tuple of outputs.
convention: pytorch
input: (8, 16)

import torch
import torch.nn as nn


class MultiTaskNet(nn.Module):
    activation = nn.ReLU

    def __init__(self, n_features: int = 16, hidden=(64, 32), dropout: float = 0.1, n_classes: int = 5):
        super().__init__()
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("std", torch.ones(n_features))
        dims = [n_features] + list(hidden)
        self.layers = nn.ModuleList()
        for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:])):
            self.layers.append(nn.Linear(d_in, d_out))
            self.add_module(f"drop{i}", nn.Dropout(dropout))
        self.norms = nn.ModuleList([nn.LayerNorm(d) for d in hidden])
        self.act = self.activation()
        width = dims[-1]
        self.mix = nn.Linear(width, width)
        self.heads = nn.ModuleDict({
            "price": nn.Linear(width, 1),
            "category": nn.Linear(width, n_classes),
        })

    @staticmethod
    def standardize(x, mean, std, eps=1e-6):
        return (x - mean) / (std + eps)

    def forward(self, x):
        x = self.standardize(x, self.mean, self.std)
        for i, (layer, norm) in enumerate(zip(self.layers, self.norms)):
            x = getattr(self, f"drop{i}")(self.act(norm(layer(x))))
        x = self.mix(self.act(self.mix(x)))  # the same weights twice
        gate, value = x.split(x.size(1) // 2, dim=1)
        x = torch.cat([value * torch.sigmoid(gate), value], dim=1)
        # feature-to-feature attention: (B, F, 1) @ (B, 1, F) -> (B, F, F)
        scores = torch.matmul(x.unsqueeze(2), x.unsqueeze(1)).softmax(dim=-1)
        x = torch.matmul(scores, x.unsqueeze(-1)).squeeze(-1)
        price = self.heads["price"](x).squeeze(1)
        category = self.heads["category"](x)
        return price, category


model = MultiTaskNet(n_features=16)
