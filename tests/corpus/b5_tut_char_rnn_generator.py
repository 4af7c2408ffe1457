# The PyTorch "generating names with a character-level RNN" tutorial's network (layout and
# idioms of the tutorial, our code): `RNN(input_size, hidden_size, output_size)` with
# `self.i2h = nn.Linear(n_categories + input_size + hidden_size, hidden_size)`, i2o, o2o,
# `self.dropout = nn.Dropout(0.1)`, `nn.LogSoftmax(dim=1)`, forward(category, input,
# hidden) with `torch.cat((category, input, hidden), 1)` then
# `torch.cat((hidden, output), 1)`, returning (output, hidden), and `initHidden()`.
# 18 categories, 59 letters (`string.ascii_letters + " .,;'-"` plus EOS), 128 hidden.
convention: pytorch
input category: (1, 18)
input input: (1, 59)
input hidden: (1, 128)

import string

import torch
import torch.nn as nn

all_letters = string.ascii_letters + " .,;'-"
n_letters = len(all_letters) + 1  # Plus EOS marker
n_categories = 18


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size

        self.i2h = nn.Linear(n_categories + input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(n_categories + input_size + hidden_size, output_size)
        self.o2o = nn.Linear(hidden_size + output_size, output_size)
        self.dropout = nn.Dropout(0.1)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, category, input, hidden):
        input_combined = torch.cat((category, input, hidden), 1)
        hidden = self.i2h(input_combined)
        output = self.i2o(input_combined)
        output_combined = torch.cat((hidden, output), 1)
        output = self.o2o(output_combined)
        output = self.dropout(output)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


rnn = RNN(n_letters, 128, n_letters)
model = rnn
