# An actor-critic policy for a 4-observation, 2-action control task (CartPole-sized), in the
# reinforcement-learning example style: a namedtuple, empty lists kept on the module for the
# training loop (self.saved_actions = [], self.rewards = []), torch.relu, a shared trunk and
# two heads, forward returning (action probabilities, state value).
convention: pytorch
input: (1, 4)

from collections import namedtuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical

SavedAction = namedtuple('SavedAction', ['log_prob', 'value'])


class Policy(nn.Module):
    """Actor and critic share the first layer."""

    def __init__(self, n_obs=4, n_actions=2, hidden=128):
        super(Policy, self).__init__()
        self.affine1 = nn.Linear(n_obs, hidden)
        self.action_head = nn.Linear(hidden, n_actions)  # actor
        self.value_head = nn.Linear(hidden, 1)           # critic

        # filled by the training loop
        self.saved_actions = []
        self.rewards = []

    def forward(self, x):
        x = torch.relu(self.affine1(x))
        action_prob = F.softmax(self.action_head(x), dim=-1)
        state_values = self.value_head(x)
        return action_prob, state_values


def select_action(model, state):
    state = torch.from_numpy(state).float()
    probs, state_value = model(state)
    m = Categorical(probs)
    action = m.sample()
    model.saved_actions.append(SavedAction(m.log_prob(action), state_value))
    return action.item()


model = Policy()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-2)
eps = np.finfo(np.float32).eps.item()
