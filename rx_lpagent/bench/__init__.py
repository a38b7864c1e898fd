"""Benchmarks users can run: ``python -m rx_lpagent.bench.<name>``."""
