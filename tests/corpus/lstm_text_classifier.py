# A sentiment classifier over token ids: Embedding with padding_idx, a 2-layer
# bidirectional batch-first LSTM whose (output, (h_n, c_n)) is unpacked, the last layer's
# two directions joined with torch.cat((h_n[-2, :, :], h_n[-1, :, :]), dim=1), dropout, Linear.
convention: pytorch
input: (8, 40)     # dtype: int64

import torch
import torch.nn as nn


class LSTMClassifier(nn.Module):
    def __init__(self, vocab_size, embedding_dim, hidden_dim, output_dim, n_layers,
                 bidirectional, dropout, pad_idx):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_idx)
        self.rnn = nn.LSTM(embedding_dim,
                           hidden_dim,
                           num_layers=n_layers,
                           bidirectional=bidirectional,
                           dropout=dropout,
                           batch_first=True)
        self.fc = nn.Linear(hidden_dim * 2, output_dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, text):
        embedded = self.dropout(self.embedding(text))  # (batch, tokens, embedding_dim)
        output, (hidden, cell) = self.rnn(embedded)
        # hidden: (layers * directions, batch, hidden_dim); the last layer's two directions
        hidden = self.dropout(torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1))
        return self.fc(hidden)


INPUT_DIM = 5000
EMBEDDING_DIM = 100
HIDDEN_DIM = 128
OUTPUT_DIM = 1
N_LAYERS = 2
BIDIRECTIONAL = True
DROPOUT = 0.5
PAD_IDX = 1

model = LSTMClassifier(INPUT_DIM, EMBEDDING_DIM, HIDDEN_DIM, OUTPUT_DIM, N_LAYERS,
                       BIDIRECTIONAL, DROPOUT, PAD_IDX)
print(f'The model has {sum(p.numel() for p in model.parameters() if p.requires_grad):,} trainable parameters')
