# AlexNet in the d2l book's PyTorch style (our code; Krizhevsky et al., 2012 sizes on a
# 1-channel 224x224 Fashion-MNIST upsample): the book's base classes written into the file
# as a `class d2l:` namespace (HyperParameters.save_hyperparameters reads the caller's
# arguments with inspect and setattr's them, Module.forward applies self.net, Classifier),
# `class AlexNet(d2l.Classifier)` with LazyConv2d / LazyLinear, self.net.apply(d2l.init_cnn)
# before the lazy layers have sizes, and layer_summary attached with @d2l.add_to_class.
convention: pytorch
input: (1, 1, 224, 224)

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
        def accuracy(self, Y_hat, Y, averaged=True):
            Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
            preds = Y_hat.argmax(axis=1).type(Y.dtype)
            compare = (preds == Y.reshape(-1)).type(torch.float32)
            return compare.mean() if averaged else compare

        def loss(self, Y_hat, Y, averaged=True):
            Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
            Y = Y.reshape((-1,))
            return F.cross_entropy(Y_hat, Y, reduction='mean' if averaged else 'none')


@d2l.add_to_class(d2l.Classifier)
def layer_summary(self, X_shape):
    X = torch.randn(*X_shape)
    for layer in self.net:
        X = layer(X)
        print(layer.__class__.__name__, 'output shape:\t', X.shape)


class AlexNet(d2l.Classifier):
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(96, kernel_size=11, stride=4, padding=1),
            nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
            nn.LazyConv2d(256, kernel_size=5, padding=2), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.LazyConv2d(384, kernel_size=3, padding=1), nn.ReLU(),
            nn.LazyConv2d(384, kernel_size=3, padding=1), nn.ReLU(),
            nn.LazyConv2d(256, kernel_size=3, padding=1), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2), nn.Flatten(),
            nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(p=0.5),
            nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(p=0.5),
            nn.LazyLinear(self.num_classes))
        self.net.apply(d2l.init_cnn)


model = AlexNet()
model.layer_summary((1, 1, 224, 224))
