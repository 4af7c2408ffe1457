# A conditional GAN generator for 28x28 digits (Mirza & Osindero, 2014; an MLP generator
# with the 128-256-512-1024 widths common in GAN tutorials): a block() helper returning a
# list that is unpacked with * into nn.Sequential, BatchNorm1d(out_feat, 0.8) (0.8 is eps,
# positionally), int(np.prod(img_shape)), label embedding torch.cat'ed with the noise, and
# img.view(img.size(0), *self.img_shape). Two inputs: noise and integer labels.
convention: pytorch
input noise: (4, 100)
input labels: (4,)     # dtype: int64

import numpy as np
import torch
import torch.nn as nn

n_classes = 10
latent_dim = 100
img_size = 28
channels = 1
img_shape = (channels, img_size, img_size)


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()
        self.img_shape = img_shape
        self.label_emb = nn.Embedding(n_classes, n_classes)

        def block(in_feat, out_feat, normalize=True):
            layers = [nn.Linear(in_feat, out_feat)]
            if normalize:
                layers.append(nn.BatchNorm1d(out_feat, 0.8))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(
            *block(latent_dim + n_classes, 128, normalize=False),
            *block(128, 256),
            *block(256, 512),
            *block(512, 1024),
            nn.Linear(1024, int(np.prod(img_shape))),
            nn.Tanh()
        )

    def forward(self, noise, labels):
        # the label's embedding is appended to the noise
        gen_input = torch.cat((self.label_emb(labels), noise), -1)
        img = self.model(gen_input)
        img = img.view(img.size(0), *self.img_shape)
        return img


cuda = True if torch.cuda.is_available() else False
generator = Generator()
if cuda:
    generator.cuda()
model = generator
