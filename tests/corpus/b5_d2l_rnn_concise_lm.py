# The d2l book's concise RNN language model (PyTorch edition; layout and idioms of d2l.ai
# section 9.6, our code): `from d2l import torch as d2l`, `class RNN(d2l.Module)` wrapping
# nn.GRU with save_hyperparameters and `forward(self, inputs, H=None)`, and the language
# model that d2l derives from d2l.RNNLMScratch written here as a plain nn.Module: one_hot
# input `F.one_hot(X.T, self.vocab_size).type(torch.float32)`, `self.linear =
# nn.LazyLinear(self.vocab_size)`, `output_layer` returning `self.linear(hiddens).swapaxes(0,
# 1)`. Vocabulary 28 (the book's time machine characters), 32 hidden units, steps 12.
convention: pytorch
input X: (2, 12)        # dtype: int64

import torch
from torch import nn
from torch.nn import functional as F
from d2l import torch as d2l


class RNN(d2l.Module):  #@save
    """The RNN model implemented with high-level APIs."""
    def __init__(self, num_inputs, num_hiddens):
        super().__init__()
        self.save_hyperparameters()
        self.rnn = nn.GRU(num_inputs, num_hiddens)

    def forward(self, inputs, H=None):
        return self.rnn(inputs, H)


class RNNLM(nn.Module):  # d2l's RNNLM(d2l.RNNLMScratch), as a plain module
    """The RNN-based language model implemented with high-level APIs."""
    def __init__(self, rnn, vocab_size, lr=1):
        super().__init__()
        self.rnn = rnn
        self.vocab_size = vocab_size
        self.lr = lr
        self.init_params()

    def init_params(self):
        self.linear = nn.LazyLinear(self.vocab_size)

    def one_hot(self, X):
        # Output shape: (num_steps, batch_size, vocab_size)
        return F.one_hot(X.T, self.vocab_size).type(torch.float32)

    def output_layer(self, hiddens):
        return self.linear(hiddens).swapaxes(0, 1)

    def forward(self, X, state=None):
        embs = self.one_hot(X)
        rnn_outputs, _ = self.rnn(embs, state)
        return self.output_layer(rnn_outputs)


vocab_size = 28
rnn = RNN(num_inputs=vocab_size, num_hiddens=32)
model = RNNLM(rnn, vocab_size=vocab_size, lr=1)
