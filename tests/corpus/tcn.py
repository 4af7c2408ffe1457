# A temporal convolutional network (Bai et al., 2018): causal dilated Conv1d blocks whose
# padding (k - 1) * dilation is cut from the right by a Chomp module
# (x[:, :, :-self.size].contiguous()), dilation 2 ** i, a 1x1 shortcut conv that is None
# when the widths agree (`res = x if self.shortcut is None else self.shortcut(x)`), the same
# conv modules registered both as attributes and inside self.net (counted once), and a head
# on the last time step, y[:, :, -1].
convention: pytorch
input: (2, 8, 64)

import torch
import torch.nn as nn


class Chomp(nn.Module):
    """Drops the last `size` steps: what the symmetric padding added on the right."""

    def __init__(self, size):
        super().__init__()
        self.size = size

    def forward(self, x):
        return x[:, :, :-self.size].contiguous()


class CausalBlock(nn.Module):
    def __init__(self, cin, cout, k, dilation, dropout=0.2):
        super().__init__()
        pad = (k - 1) * dilation
        self.conv1 = nn.Conv1d(cin, cout, k, padding=pad, dilation=dilation)
        self.conv2 = nn.Conv1d(cout, cout, k, padding=pad, dilation=dilation)
        self.net = nn.Sequential(
            self.conv1, Chomp(pad), nn.ReLU(), nn.Dropout(dropout),
            self.conv2, Chomp(pad), nn.ReLU(), nn.Dropout(dropout),
        )
        self.shortcut = nn.Conv1d(cin, cout, 1) if cin != cout else None
        self.relu = nn.ReLU()

    def forward(self, x):
        out = self.net(x)
        res = x if self.shortcut is None else self.shortcut(x)
        return self.relu(out + res)


class TCN(nn.Module):
    def __init__(self, input_size, output_size, channels, kernel_size=2, dropout=0.2):
        super().__init__()
        blocks = []
        for i, cout in enumerate(channels):
            cin = input_size if i == 0 else channels[i - 1]
            blocks += [CausalBlock(cin, cout, kernel_size, dilation=2 ** i, dropout=dropout)]
        self.tcn = nn.Sequential(*blocks)
        self.linear = nn.Linear(channels[-1], output_size)

    def forward(self, inputs):
        """inputs: (N, C_in, L); the prediction is made from the last step."""
        y = self.tcn(inputs)
        return self.linear(y[:, :, -1])


channel_sizes = [25] * 4
model = TCN(8, 5, channel_sizes, kernel_size=7, dropout=0.05)
