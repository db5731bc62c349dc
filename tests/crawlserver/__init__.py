"""Local HTTP server that replays an Indonesian news web for Pantau's crawl tests."""

from .server import FAULTS, CrawlServer, running

__all__ = ["FAULTS", "CrawlServer", "running"]
