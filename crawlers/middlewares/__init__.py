"""Scrapy middlewares: the private-address guard, Retry-After/backoff, errbacks and incremental skips."""
