"""Layers that move elements without arithmetic: Flatten, Unflatten/Reshape, padding, cropping, upsampling."""

from __future__ import annotations
