# Reading MNIST row by row with an LSTM (28 steps of 28 pixels): zero initial states built
# in forward from x.size(0) and moved with .to(x.device), `out, _ = self.lstm(x, (h0, c0))`,
# the last time step taken with out[:, -1, :].
convention: pytorch
input: (4, 28, 28)

import torch
import torch.nn as nn

sequence_length = 28
input_size = 28
hidden_size = 128
num_layers = 2
num_classes = 10


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(x.device)
        c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(x.device)
        out, _ = self.lstm(x, (h0, c0))  # out: (batch, seq_length, hidden_size)
        out = self.fc(out[:, -1, :])
        return out


device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
model = RNN(input_size, hidden_size, num_layers, num_classes).to(device)
