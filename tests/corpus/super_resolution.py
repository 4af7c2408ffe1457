# Sub-pixel super-resolution net (Shi et al., 2016, ESPCN: 5x5 conv 64, 3x3 conv 64, 3x3
# conv 32, then upscale_factor**2 channels and PixelShuffle). Orthogonal init with gains
# from init.calculate_gain, a private _initialize_weights method.
convention: pytorch
input: (1, 1, 32, 32)

import torch
import torch.nn as nn
import torch.nn.init as init


class SuperResolutionNet(nn.Module):
    def __init__(self, upscale_factor, inplace=False):
        super(SuperResolutionNet, self).__init__()

        self.relu = nn.ReLU(inplace=inplace)
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
        gain = init.calculate_gain('relu')
        init.orthogonal_(self.conv1.weight, gain)
        init.orthogonal_(self.conv2.weight, gain)
        init.orthogonal_(self.conv3.weight, gain)
        init.orthogonal_(self.conv4.weight)


upscale_factor = 3
model = SuperResolutionNet(upscale_factor=upscale_factor)
model.train(False)
