# The PyTorch reinforcement-learning (DQN) tutorial's Q-network (layout and idioms of the
# tutorial, our code): `class DQN(nn.Module)` with `__init__(self, n_observations,
# n_actions)`, layer1 / layer2 / layer3 Linears of 128, `F.relu` in forward, then the
# notebook lines: `n_actions = env.action_space.n` and `n_observations = len(state)` are
# replaced by CartPole's constants (2 and 4; gym is not imported), policy_net / target_net
# with `target_net.load_state_dict(policy_net.state_dict())`, an AdamW optimizer with
# `amsgrad=True`. A replay batch of 8 states.
convention: pytorch
input: (8, 4)

import math
import random
from collections import namedtuple, deque

import torch
import torch.nn as nn
import torch.optim as optim
import torch.nn.functional as F

device = torch.device("cpu")

Transition = namedtuple('Transition',
                        ('state', 'action', 'next_state', 'reward'))


class ReplayMemory(object):

    def __init__(self, capacity):
        self.memory = deque([], maxlen=capacity)

    def push(self, *args):
        """Save a transition"""
        self.memory.append(Transition(*args))

    def sample(self, batch_size):
        return random.sample(self.memory, batch_size)

    def __len__(self):
        return len(self.memory)


class DQN(nn.Module):

    def __init__(self, n_observations, n_actions):
        super(DQN, self).__init__()
        self.layer1 = nn.Linear(n_observations, 128)
        self.layer2 = nn.Linear(128, 128)
        self.layer3 = nn.Linear(128, n_actions)

    # Called with either one element to determine next action, or a batch
    # during optimization. Returns tensor([[left0exp,right0exp]...]).
    def forward(self, x):
        x = F.relu(self.layer1(x))
        x = F.relu(self.layer2(x))
        return self.layer3(x)


BATCH_SIZE = 128
GAMMA = 0.99
EPS_START = 0.9
EPS_END = 0.01
EPS_DECAY = 2500
TAU = 0.005
LR = 3e-4

# Get number of actions from gym action space
n_actions = 2  # env.action_space.n
# Get the number of state observations
n_observations = 4  # state, info = env.reset(); len(state)

policy_net = DQN(n_observations, n_actions).to(device)
target_net = DQN(n_observations, n_actions).to(device)
target_net.load_state_dict(policy_net.state_dict())

optimizer = optim.AdamW(policy_net.parameters(), lr=LR, amsgrad=True)
memory = ReplayMemory(10000)

steps_done = 0
model = policy_net
