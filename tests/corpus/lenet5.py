# LeNet-5 (LeCun et al., 1998): 32x32 input, 6 and 16 feature maps, 120-84-10 classifier,
# tanh and average pooling. num_flat_features multiplies the sizes after the batch, as the
# old 60-minute-blitz tutorial did.
convention: pytorch
input: (1, 1, 32, 32)

import torch
import torch.nn as nn


class LeNet5(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.feature_extractor = nn.Sequential(
            nn.Conv2d(in_channels=1, out_channels=6, kernel_size=5, stride=1),
            nn.Tanh(),
            nn.AvgPool2d(kernel_size=2),
            nn.Conv2d(in_channels=6, out_channels=16, kernel_size=5, stride=1),
            nn.Tanh(),
            nn.AvgPool2d(kernel_size=2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(in_features=16 * 5 * 5, out_features=120),
            nn.Tanh(),
            nn.Linear(in_features=120, out_features=84),
            nn.Tanh(),
            nn.Linear(in_features=84, out_features=n_classes),
        )

    def forward(self, x):
        x = self.feature_extractor(x)
        x = x.view(-1, self.num_flat_features(x))
        logits = self.classifier(x)
        return logits

    def num_flat_features(self, x):
        size = x.size()[1:]  # every dimension but the batch
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


model = LeNet5(n_classes=10)
model.eval()
