"""Benchmarks users can run: ``python -m rx_lpagent.bench.<name>`` (they print numbers and ratios;
nothing here is a test)."""
