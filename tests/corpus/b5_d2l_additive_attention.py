# The d2l book's attention scoring functions (PyTorch edition; idioms of d2l.ai 11.3, our
# code): `masked_softmax(X, valid_lens)` with `_sequence_mask` (torch.arange, `[None, :] <
# valid_len[:, None]`, `X[~mask] = value`), valid lengths repeated by
# `torch.repeat_interleave` or reshaped, `class AdditiveAttention(nn.Module)` with
# LazyLinear W_k / W_q / w_v, `features = queries.unsqueeze(2) + keys.unsqueeze(1)`,
# `torch.tanh`, `scores = self.w_v(features).squeeze(-1)`, `torch.bmm(self.dropout(...),
# values)`. The book's cell sizes: queries (2, 1, 20), keys (2, 10, 2), values (2, 10, 4),
# valid_lens [2, 6] fixed in a small wrapper's forward.
convention: pytorch
input queries: (2, 1, 20)
input keys: (2, 10, 2)
input values: (2, 10, 4)

import math
import torch
from torch import nn
from d2l import torch as d2l


def masked_softmax(X, valid_lens):  #@save
    """Perform softmax operation by masking elements on the last axis."""
    # X: 3D tensor, valid_lens: 1D or 2D tensor
    def _sequence_mask(X, valid_len, value=0):
        maxlen = X.size(1)
        mask = torch.arange((maxlen), dtype=torch.float32,
                            device=X.device)[None, :] < valid_len[:, None]
        X[~mask] = value
        return X

    if valid_lens is None:
        return nn.functional.softmax(X, dim=-1)
    else:
        shape = X.shape
        if valid_lens.dim() == 1:
            valid_lens = torch.repeat_interleave(valid_lens, shape[1])
        else:
            valid_lens = valid_lens.reshape(-1)
        # On the last axis, replace masked elements with a very large negative
        # value, whose exponentiation outputs 0
        X = _sequence_mask(X.reshape(-1, shape[-1]), valid_lens, value=-1e6)
        return nn.functional.softmax(X.reshape(shape), dim=-1)


class AdditiveAttention(nn.Module):  #@save
    """Additive attention."""
    def __init__(self, num_hiddens, dropout, **kwargs):
        super(AdditiveAttention, self).__init__(**kwargs)
        self.W_k = nn.LazyLinear(num_hiddens, bias=False)
        self.W_q = nn.LazyLinear(num_hiddens, bias=False)
        self.w_v = nn.LazyLinear(1, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens):
        queries, keys = self.W_q(queries), self.W_k(keys)
        # After dimension expansion, shape of queries: (batch_size, no. of
        # queries, 1, num_hiddens) and shape of keys: (batch_size, 1, no. of
        # key-value pairs, num_hiddens). Sum them up with broadcasting
        features = queries.unsqueeze(2) + keys.unsqueeze(1)
        features = torch.tanh(features)
        # There is only one output of self.w_v, so we remove the last
        # one-dimensional entry from the shape. Shape of scores: (batch_size,
        # no. of queries, no. of key-value pairs)
        scores = self.w_v(features).squeeze(-1)
        self.attention_weights = masked_softmax(scores, valid_lens)
        # Shape of values: (batch_size, no. of key-value pairs, value
        # dimension)
        return torch.bmm(self.dropout(self.attention_weights), values)


class Demo(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = AdditiveAttention(num_hiddens=8, dropout=0.1)

    def forward(self, queries, keys, values):
        valid_lens = torch.tensor([2, 6])
        return self.attention(queries, keys, values, valid_lens)


model = Demo()
model.eval()
