"""The composition root's commands that wire several stages together (alerts, digest).

Kernel modules (``pantau/article.py``, ``regions.py``, ``settings.py``, ``urls.py``) import
nothing of the project; these modules import the stages and are imported only by the CLI.
"""
