"""Multi-head attention (PyTorch nn.MultiheadAttention, Keras MultiHeadAttention)."""

from __future__ import annotations
