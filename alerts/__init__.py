"""Alerts: spike and silence detection over the store's counts, alert episodes, emails, the digest.

It imports the ``pantau`` kernel and ``index`` only, and reads counts through the store's
time-bucket queries, so it behaves the same on SQLite and on Elasticsearch.
"""
