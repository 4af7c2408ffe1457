# A Siamese network (Koch et al., 2015 style, small): one embedding tower applied to both
# inputs (weights shared: counted once), forward(input1, input2), a @property for the
# embedding size, torch.abs of the difference, a Linear + sigmoid similarity head.
convention: pytorch
input input1: (4, 1, 28, 28)
input input2: (4, 1, 28, 28)

import torch
import torch.nn as nn
import torch.nn.functional as F


class SiameseNetwork(nn.Module):
    def __init__(self, embedding_size: int = 64):
        super().__init__()
        self._embedding_size = embedding_size
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        )
        self.fc = nn.Linear(64 * 7 * 7, self.embedding_size)
        self.head = nn.Linear(self.embedding_size, 1)

    @property
    def embedding_size(self) -> int:
        return self._embedding_size

    def forward_once(self, x):
        output = self.cnn(x)
        output = output.view(output.size()[0], -1)
        return F.relu(self.fc(output))

    def forward(self, input1, input2):
        output1 = self.forward_once(input1)
        output2 = self.forward_once(input2)
        distance = torch.abs(output1 - output2)
        return torch.sigmoid(self.head(distance))


model = SiameseNetwork(embedding_size=64)
