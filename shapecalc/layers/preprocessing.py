"""Keras preprocessing and utility layers (rescaling, normalisation, resizing, cropping,
random augmentation, masking) and simple attention layers."""

from __future__ import annotations
