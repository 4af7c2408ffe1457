# A sensor-sequence classifier: a bidirectional batch-first GRU, additive attention pooling
# over time (scores = v(tanh(W h)), torch.softmax over dim 1, torch.bmm(weights.unsqueeze(1),
# outputs).squeeze(1)), and a classifier; forward returns the logits and the attention
# weights. `outputs, _ = self.gru(x)` discards the final state.
convention: pytorch
input: (4, 30, 12)

import torch
import torch.nn as nn


class AttentionPooling(nn.Module):
    def __init__(self, dim, attn_dim=32):
        super().__init__()
        self.proj = nn.Linear(dim, attn_dim)
        self.v = nn.Linear(attn_dim, 1, bias=False)

    def forward(self, outputs):
        scores = self.v(torch.tanh(self.proj(outputs))).squeeze(-1)   # (B, T)
        weights = torch.softmax(scores, dim=1)
        context = torch.bmm(weights.unsqueeze(1), outputs).squeeze(1)  # (B, D)
        return context, weights


class GRUClassifier(nn.Module):
    def __init__(self, n_features, hidden_size=48, num_layers=1, num_classes=6, bidirectional=True):
        super().__init__()
        self.gru = nn.GRU(n_features, hidden_size, num_layers=num_layers, batch_first=True,
                          bidirectional=bidirectional)
        directions = 2 if bidirectional else 1
        self.pool = AttentionPooling(hidden_size * directions)
        self.classifier = nn.Sequential(
            nn.Dropout(0.3),
            nn.Linear(hidden_size * directions, num_classes),
        )

    def forward(self, x):
        outputs, _ = self.gru(x)
        context, weights = self.pool(outputs)
        return self.classifier(context), weights


model = GRUClassifier(n_features=12)
