"""Linear (PyTorch) and Dense (Keras) on inputs of any rank, and Identity-free parameterised matmuls."""

from __future__ import annotations
