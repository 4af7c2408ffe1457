# The d2l book's LeNet chapter (PyTorch edition) as a reader pastes it into a notebook
# (layout and idioms of d2l.ai, our code): `from d2l import torch as d2l` with nothing of d2l
# defined here, a module-level init_cnn, LeNet deriving from d2l.Classifier with
# self.save_hyperparameters() and lazy layers, `@d2l.add_to_class(d2l.Classifier)` adding
# layer_summary to the library's class, `model.layer_summary((1, 1, 28, 28))`, then the
# training cell: d2l.Trainer, d2l.FashionMNIST, model.apply_init([next(iter(
# data.get_dataloader(True)))[0]], init_cnn), trainer.fit(model, data). LeNet-5 (LeCun et
# al., 1998) with sigmoid and average pooling.
convention: pytorch
input: (2, 1, 28, 28)

import torch
from torch import nn
from d2l import torch as d2l


def init_cnn(module):  #@save
    """Xavier-initialize the conv and linear layers."""
    if type(module) == nn.Linear or type(module) == nn.Conv2d:
        nn.init.xavier_uniform_(module.weight)


class LeNet(d2l.Classifier):  #@save
    """LeNet-5: two conv / pool stages, three dense layers."""
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.LazyLinear(120), nn.Sigmoid(),
            nn.LazyLinear(84), nn.Sigmoid(),
            nn.LazyLinear(num_classes))


@d2l.add_to_class(d2l.Classifier)  #@save
def layer_summary(self, X_shape):
    X = torch.randn(*X_shape)
    for layer in self.net:
        X = layer(X)
        print(layer.__class__.__name__, 'output shape:\t', X.shape)


model = LeNet()
model.layer_summary((1, 1, 28, 28))

trainer = d2l.Trainer(max_epochs=10, num_gpus=1)
data = d2l.FashionMNIST(batch_size=128)
model = LeNet(lr=0.1)
model.apply_init([next(iter(data.get_dataloader(True)))[0]], init_cnn)
trainer.fit(model, data)
