"""Pantau's offline demo: a bundled corpus of real Indonesian news, replayed by a local server.

``with demo.serve() as base_url:`` serves the replay on 127.0.0.1; ``demo.settings(base_url, store_url)``
gives the Settings that crawl it; ``demo.replay_now()`` is the moment the demo must judge alerts and draw the
dashboard at (the end of the replay period). See ``demo/data/SOURCE.md`` for the corpus.
"""

from demo.config import CRAWL_OVERRIDES, settings, toml_text
from demo.corpus import REPLAY_END, REPLAY_START, is_placed, replay_now
from demo.replay import DEFAULT_PORT, ReplayServer, serve

__all__ = [
    "CRAWL_OVERRIDES",
    "DEFAULT_PORT",
    "REPLAY_END",
    "REPLAY_START",
    "ReplayServer",
    "is_placed",
    "replay_now",
    "serve",
    "settings",
    "toml_text",
]
