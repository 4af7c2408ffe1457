# The d2l book's deep and LSTM RNN sections (PyTorch edition; idioms of d2l.ai 10.1/10.3, our
# code): `class LSTM(d2l.RNN)` becomes `class LSTM(RNN)` over a local `RNN(d2l.Module)` with
# `forward(self, inputs, H_C=None)`, `class StackedLSTM(LSTM)` passing `num_layers` and
# `dropout`, and a plain language-model head that one-hots `X.T`, runs the stack and
# returns `(outputs, (H, C))` as d2l's RNN does (the hidden pair flattened). Vocabulary 28,
# 2 layers of 24 units, 10 steps.
convention: pytorch
input: (3, 10)        # dtype: int64

import torch
from torch import nn
from torch.nn import functional as F
from d2l import torch as d2l


class RNN(d2l.Module):
    def __init__(self, num_inputs, num_hiddens):
        super().__init__()
        self.save_hyperparameters()
        self.rnn = nn.RNN(num_inputs, num_hiddens)

    def forward(self, inputs, H=None):
        return self.rnn(inputs, H)


class LSTM(RNN):
    def __init__(self, num_inputs, num_hiddens):
        d2l.Module.__init__(self)
        self.save_hyperparameters()
        self.rnn = nn.LSTM(num_inputs, num_hiddens)

    def forward(self, inputs, H_C=None):
        return self.rnn(inputs, H_C)


class StackedLSTM(LSTM):
    def __init__(self, num_inputs, num_hiddens, num_layers, dropout=0):
        d2l.Module.__init__(self)
        self.save_hyperparameters()
        self.rnn = nn.LSTM(num_inputs, num_hiddens, num_layers=num_layers,
                           dropout=dropout)


class LanguageModel(nn.Module):
    def __init__(self, rnn, vocab_size):
        super().__init__()
        self.rnn = rnn
        self.vocab_size = vocab_size
        self.linear = nn.Linear(rnn.num_hiddens, vocab_size)

    def forward(self, X, state=None):
        embs = F.one_hot(X.T, self.vocab_size).type(torch.float32)
        outputs, (H, C) = self.rnn(embs, state)
        return self.linear(outputs).swapaxes(0, 1), (H, C)


stacked = StackedLSTM(num_inputs=28, num_hiddens=24, num_layers=2, dropout=0.1)
model = LanguageModel(stacked, vocab_size=28)
model.eval()
