"""The ``certflow`` command line: the top layer, which may import every other one.

``cli.main`` holds the click group; each command group lives in its own module
and imports what it runs (web3, reportlab, dramatiq, minio) only when it runs.
"""
