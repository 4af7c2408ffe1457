# LeNet in the course-book style: a small Module/Classifier base class of our own (the
# reader sees it: forward applies self.net), a subclass that only fills self.net with lazy
# layers (nn.LazyConv2d / nn.LazyLinear take their input sizes from the first call), an
# init function applied through a dummy forward, then the notebook's layer_summary loop.
convention: pytorch
input: (1, 1, 28, 28)

import torch
from torch import nn
from torch.nn import functional as F


class Module(nn.Module):
    """The base class of the book's models: keeps hyper-parameters, plots nothing here."""

    def __init__(self, plot_train_per_epoch=2, plot_valid_per_epoch=1):
        super().__init__()
        self.plot_train_per_epoch = plot_train_per_epoch
        self.plot_valid_per_epoch = plot_valid_per_epoch

    def loss(self, y_hat, y):
        raise NotImplementedError

    def forward(self, X):
        assert hasattr(self, 'net'), 'a subclass must set self.net'
        return self.net(X)

    def apply_init(self, inputs, init=None):
        self.forward(*inputs)
        if init is not None:
            self.net.apply(init)


class Classifier(Module):
    """A model that answers class scores."""

    def loss(self, Y_hat, Y, averaged=True):
        Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
        Y = Y.reshape((-1,))
        return F.cross_entropy(Y_hat, Y, reduction='mean' if averaged else 'none')


def init_cnn(module):
    """Xavier-uniform weights for the conv and linear layers."""
    if type(module) == nn.Linear or type(module) == nn.Conv2d:
        nn.init.xavier_uniform_(module.weight)


class LeNet(Classifier):
    """The LeNet-5 model, sigmoid activations as in the original."""

    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.lr = lr
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.LazyLinear(120), nn.Sigmoid(),
            nn.LazyLinear(84), nn.Sigmoid(),
            nn.LazyLinear(num_classes))

    def layer_summary(self, X_shape):
        X = torch.randn(*X_shape)
        for layer in self.net:
            X = layer(X)
            print(layer.__class__.__name__, 'output shape:\t', X.shape)


model = LeNet(lr=0.1)
model.apply_init([torch.zeros(1, 1, 28, 28)], init_cnn)
model.layer_summary((1, 1, 28, 28))
