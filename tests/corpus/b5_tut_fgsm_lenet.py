# The PyTorch adversarial example (FGSM) tutorial's LeNet (layout and idioms of the
# tutorial, our code): `class Net(nn.Module)` with conv1 (1, 32, 3) / conv2 (32, 64, 3),
# Dropout(0.25) / Dropout(0.5), fc1 9216 -> 128, fc2 128 -> 10, `F.max_pool2d(x, 2)`,
# `torch.flatten(x, 1)`, `F.log_softmax(x, dim=1)`, then `model = Net().to(device)`,
# the (skipped) `model.load_state_dict(torch.load(pretrained_model, ...))` and
# `model.eval()`; an fgsm_attack helper alongside. MNIST 28x28.
convention: pytorch
input: (1, 1, 28, 28)

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

epsilons = [0, .05, .1, .15, .2, .25, .3]
pretrained_model = "data/lenet_mnist_model.pth"
use_cuda = False
torch.manual_seed(42)


# LeNet Model definition
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


device = torch.device("cuda" if use_cuda and torch.cuda.is_available() else "cpu")

# Initialize the network
model = Net().to(device)

# Load the pretrained model (skipped: no weights file here)
# model.load_state_dict(torch.load(pretrained_model, map_location=device, weights_only=True))

# Set the model in evaluation mode. In this case this is for the Dropout layers
model.eval()


# FGSM attack code
def fgsm_attack(image, epsilon, data_grad):
    sign_data_grad = data_grad.sign()
    perturbed_image = image + epsilon*sign_data_grad
    perturbed_image = torch.clamp(perturbed_image, 0, 1)
    return perturbed_image
