# AlexNet as torchvision.models builds it (torchvision 0.28): the single-GPU variant of
# Krizhevsky, "One weird trick for parallelizing convolutional neural networks" (2014), with
# 64-192-384-256-256 conv channels (the 2012 paper's two GPU halves merged and narrowed) and an
# adaptive 6x6 average pool before the classifier.
# Builder: alexnet (weights=None, num_classes=1000, dropout=0.5). Weights need 1000 classes.
import torch
from torch import nn
from torchvision.models._utils import _ovewrite_named_param


class AlexNet(nn.Module):
    def __init__(self, num_classes=1000, dropout=0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


def alexnet(*, weights=None, progress=True, pretrained=False, **kwargs):
    if (weights or pretrained or None) is not None:
        _ovewrite_named_param(kwargs, "num_classes", 1000)
    return AlexNet(**kwargs)
