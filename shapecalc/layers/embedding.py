"""Embedding lookups (PyTorch nn.Embedding, Keras Embedding)."""

from __future__ import annotations
