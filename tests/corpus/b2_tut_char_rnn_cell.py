# The older char-RNN classifier tutorial's hand-written recurrent cell (our code):
# forward(input, hidden) with combined = torch.cat((input, hidden), 1), i2h / h2o Linears,
# nn.LogSoftmax(dim=1), initHidden() -> torch.zeros(1, self.hidden_size); the notebook steps
# it over a name with `for i in range(line_tensor.size()[0])`.
convention: pytorch
input input: (1, 57)
input hidden: (1, 128)

import string

import torch
import torch.nn as nn

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)
n_categories = 18


def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][all_letters.find(letter)] = 1
    return tensor


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()

        self.hidden_size = hidden_size

        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        hidden = self.i2h(combined)
        output = self.h2o(hidden)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


n_hidden = 128
rnn = RNN(n_letters, n_hidden, n_categories)

line_tensor = lineToTensor('Albert')
hidden = rnn.initHidden()
for i in range(line_tensor.size()[0]):
    output, hidden = rnn(line_tensor[i], hidden)

model = rnn
