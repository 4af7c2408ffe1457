"""Normalisation: BatchNorm, LayerNorm, GroupNorm, InstanceNorm (PyTorch); BatchNormalization, LayerNormalization, GroupNormalization (Keras)."""

from __future__ import annotations
