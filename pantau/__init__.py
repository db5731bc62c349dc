"""Pantau: media monitoring and sentiment for Indonesian regional governments.

The kernel modules (``article``, ``regions``, ``settings``, ``urls``) import no other
Pantau package; ``pantau.cli`` is the composition root that wires crawl, index,
NLP, alerts and dashboard together.
"""

__version__ = "0.1.0"
