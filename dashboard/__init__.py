"""Pantau's Streamlit dashboard: thin pages over ``index`` queries and ``alerts`` state, in Bahasa Indonesia.

Scraped text is always rendered as text; the only HTML the pages emit is built here from
escaped text (search highlights), never from article titles or bodies.
"""
