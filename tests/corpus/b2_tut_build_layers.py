# The "build the neural network" tutorial's layer-by-layer cells, in our own words: a
# minibatch of 3 images made with torch.rand, nn.Flatten / nn.Linear / nn.ReLU tried one at
# a time on it, then the same modules reused in an nn.Sequential that becomes `model`, a
# named_parameters loop printing sizes and slices, and nn.Softmax(dim=1) on the logits.
convention: pytorch
input: (3, 28, 28)

import torch
from torch import nn

input_image = torch.rand(3, 28, 28)
print(input_image.size())

flatten = nn.Flatten()
flat_image = flatten(input_image)
print(flat_image.size())

layer1 = nn.Linear(in_features=28 * 28, out_features=20)
hidden1 = layer1(flat_image)
print(hidden1.size())

print(f"Before ReLU: {hidden1}\n\n")
hidden1 = nn.ReLU()(hidden1)
print(f"After ReLU: {hidden1}")

seq_modules = nn.Sequential(
    flatten,
    layer1,
    nn.ReLU(),
    nn.Linear(20, 10)
)
input_image = torch.rand(3, 28, 28)
logits = seq_modules(input_image)

softmax = nn.Softmax(dim=1)
pred_probab = softmax(logits)

for name, param in seq_modules.named_parameters():
    print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n")

model = seq_modules
