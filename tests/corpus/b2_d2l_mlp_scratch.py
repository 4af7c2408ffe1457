# An MLP with parameters from scratch in the d2l book's PyTorch style (our code; 784-256-10
# on Fashion-MNIST): weights as nn.Parameter(torch.randn(...) * sigma), a hand-written relu
# (torch.max against torch.zeros_like), and forward attached by @d2l.add_to_class that
# reads `self.num_inputs`, an attribute that exists only because save_hyperparameters()
# copied the constructor's arguments onto self via inspect.
convention: pytorch
input: (4, 1, 28, 28)

import inspect

import torch
from torch import nn
from torch.nn import functional as F


class d2l:
    """The parts of `from d2l import torch as d2l` these models use."""

    @staticmethod
    def add_to_class(Class):
        """Register the decorated function as a method of Class."""
        def wrapper(obj):
            setattr(Class, obj.__name__, obj)
        return wrapper

    @staticmethod
    def init_cnn(module):
        if type(module) == nn.Linear or type(module) == nn.Conv2d:
            nn.init.xavier_uniform_(module.weight)

    class HyperParameters:
        def save_hyperparameters(self, ignore=[]):
            """Save the calling function's arguments as attributes."""
            frame = inspect.currentframe().f_back
            _, _, _, local_vars = inspect.getargvalues(frame)
            self.hparams = {k: v for k, v in local_vars.items()
                            if k not in set(ignore + ['self']) and not k.startswith('_')}
            for k, v in self.hparams.items():
                setattr(self, k, v)

    class Module(nn.Module, HyperParameters):
        def __init__(self, plot_train_per_epoch=2, plot_valid_per_epoch=1):
            super().__init__()
            self.save_hyperparameters()

        def forward(self, X):
            assert hasattr(self, 'net'), 'Neural network is defined'
            return self.net(X)

        def apply_init(self, inputs, init=None):
            self.forward(*inputs)
            if init is not None:
                self.net.apply(init)

    class Classifier(Module):
        def loss(self, Y_hat, Y, averaged=True):
            Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
            Y = Y.reshape((-1,))
            return F.cross_entropy(Y_hat, Y, reduction='mean' if averaged else 'none')


class MLPScratch(d2l.Classifier):
    def __init__(self, num_inputs, num_outputs, num_hiddens, lr, sigma=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens) * sigma)
        self.b1 = nn.Parameter(torch.zeros(num_hiddens))
        self.W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs) * sigma)
        self.b2 = nn.Parameter(torch.zeros(num_outputs))


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


@d2l.add_to_class(MLPScratch)
def forward(self, X):
    X = X.reshape((-1, self.num_inputs))
    H = relu(torch.matmul(X, self.W1) + self.b1)
    return torch.matmul(H, self.W2) + self.b2


model = MLPScratch(num_inputs=784, num_outputs=10, num_hiddens=256, lr=0.1)
