"""Pooling: Max/Avg pooling 1d/2d/3d, adaptive pooling (PyTorch); MaxPooling/AveragePooling 1D/2D/3D and global pooling (Keras)."""

from __future__ import annotations
