"""Pantau's spiders, one per source type: rss, sitemap, listing, search. They only parse and yield."""
