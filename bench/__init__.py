"""Benchmarks: each ``bench/<name>.py`` prints its figures with a baseline from the same run.

A package so that mypy gives ``bench._db`` one module name; the benches still run
as scripts from the repository root (``.venv/bin/python bench/pipeline.py``).
"""
