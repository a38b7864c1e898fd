"""Benchmarks, runnable by users: ``python -m rx_lpagent.bench.<name>``."""
