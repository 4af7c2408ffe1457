# The classic MNIST network of the PyTorch examples era: two 5x5 convs, Dropout2d, and the
# hard-coded view(-1, 320) (20 channels x 4 x 4 after two conv+pool stages on 28x28).
convention: pytorch
input: (1, 1, 28, 28)

import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    """Two conv layers and two fully connected layers, log-softmax output."""

    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


model = Net()
print(model)
