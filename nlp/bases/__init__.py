"""Pretrained encoders Pantau's training can start from, rebuilt locally (no hub); see docs/nlp.md."""

from nlp.bases.e5 import BaseModelError, embed, export_e5, load_e5, read_e5

__all__ = ["BaseModelError", "embed", "export_e5", "load_e5", "read_e5"]
