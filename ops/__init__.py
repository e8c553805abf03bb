"""Tooling for running the product: the embedded PostgreSQL and Redis behind `make run` and
`make test` (dev.py), and backup and restore (backup.py). No app imports it."""
