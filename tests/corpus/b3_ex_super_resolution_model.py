# pytorch/examples' super_resolution/model.py pasted whole (layout and idioms of that file,
# our code): `import torch.nn.init as init`, a `Net(upscale_factor)` with tuple kernel /
# stride / padding arguments to nn.Conv2d, one shared self.relu, nn.PixelShuffle, an
# _initialize_weights method using init.orthogonal_ with init.calculate_gain('relu'); the
# user adds the line that main.py runs, with the script's --upscale_factor as a literal.
# ESPCN (Shi et al., 2016), on a 64x64 single-channel (Y) input, upscale 3.
convention: pytorch
input: (1, 1, 64, 64)

import torch
import torch.nn as nn
import torch.nn.init as init


class Net(nn.Module):
    def __init__(self, upscale_factor):
        super(Net, self).__init__()

        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 64, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(64, 64, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(64, 32, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(32, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)

        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        x = self.pixel_shuffle(self.conv4(x))
        return x

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv2.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv3.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv4.weight)


upscale_factor = 3
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = Net(upscale_factor=upscale_factor).to(device)
criterion = nn.MSELoss()
