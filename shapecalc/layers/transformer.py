"""Transformer layers of PyTorch: TransformerEncoderLayer/DecoderLayer and their stacks."""

from __future__ import annotations
