"""Layers that keep the shape and have no parameters: activations and dropout."""

from __future__ import annotations
