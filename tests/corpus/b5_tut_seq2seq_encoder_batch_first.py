# The current PyTorch "NLP from scratch: translation with seq2seq" tutorial's encoder (layout
# and idioms of the tutorial, our code): `EncoderRNN(input_size, hidden_size, dropout_p=0.1)`
# with nn.Embedding, `nn.GRU(hidden_size, hidden_size, batch_first=True)`, `self.dropout =
# nn.Dropout(dropout_p)`, forward(input) returning `output, hidden`; the notebook's
# `input_lang.n_words` replaced by a constant. Batch 4 of 10 tokens, hidden 128.
convention: pytorch
input: (4, 10)        # dtype: int64

import torch
import torch.nn as nn
import torch.nn.functional as F

device = torch.device("cpu")
MAX_LENGTH = 10
SOS_token = 0
EOS_token = 1


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size, dropout_p=0.1):
        super(EncoderRNN, self).__init__()
        self.hidden_size = hidden_size

        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, input):
        embedded = self.dropout(self.embedding(input))
        output, hidden = self.gru(embedded)
        return output, hidden


hidden_size = 128
n_words = 2803  # input_lang.n_words
encoder = EncoderRNN(n_words, hidden_size).to(device)
model = encoder
