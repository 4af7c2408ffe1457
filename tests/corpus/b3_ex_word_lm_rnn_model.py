# pytorch/examples' word_language_model/model.py pasted for its RNNModel (layout and idioms
# of that file, our code): the class docstring, `if rnn_type in ['LSTM', 'GRU']:
# self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)`, else a
# `try: nonlinearity = {'RNN_TANH': 'tanh', 'RNN_RELU': 'relu'}[rnn_type]` / `except
# KeyError as e: raise ValueError(...) from e` choosing nn.RNN's nonlinearity, tied
# weights (`self.decoder.weight = self.encoder.weight`, counted once) with its size check,
# init_weights with nn.init.uniform_ / zeros_, forward(input, hidden) returning
# (F.log_softmax(decoded, dim=1), hidden) after decoded.view(-1, self.ntoken), and
# init_hidden through `weight = next(self.parameters())`. An RNN_TANH model with main.py's
# default sizes (200 / 200 / 2 layers, 35-step bptt, batch 20) and Wikitext-2's vocabulary
# size written in for `len(corpus.dictionary)`.
convention: pytorch
input input: (35, 20)        # dtype: int64
input hidden: (2, 20, 200)

import math
import torch
import torch.nn as nn
import torch.nn.functional as F


class RNNModel(nn.Module):
    """An encoder (embedding), a recurrent core and a decoder (linear, to the vocabulary)."""

    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super(RNNModel, self).__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ['LSTM', 'GRU']:
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        else:
            try:
                nonlinearity = {'RNN_TANH': 'tanh', 'RNN_RELU': 'relu'}[rnn_type]
            except KeyError as e:
                raise ValueError("""An invalid option for `--model` was supplied,
                                 options are ['LSTM', 'GRU', 'RNN_TANH' or 'RNN_RELU']""") from e
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)

        # Tying the input and output embeddings (Press & Wolf, 2016, "Using the Output
        # Embedding to Improve Language Models"; Inan et al., 2016)
        if tie_weights:
            if nhid != ninp:
                raise ValueError('When using the tied flag, nhid must be equal to emsize')
            self.decoder.weight = self.encoder.weight

        self.init_weights()

        self.rnn_type = rnn_type
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == 'LSTM':
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))
        else:
            return weight.new_zeros(self.nlayers, bsz, self.nhid)


ntokens = 33278  # len(corpus.dictionary) for Wikitext-2
model = RNNModel('RNN_TANH', ntokens, 200, 200, 2, 0.2, tie_weights=True)
hidden = model.init_hidden(20)
