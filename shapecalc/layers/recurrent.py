"""Recurrent layers: RNN/LSTM/GRU (PyTorch), SimpleRNN/LSTM/GRU/Bidirectional (Keras)."""

from __future__ import annotations
