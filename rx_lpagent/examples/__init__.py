"""Example programs built on rx_lpagent; each runs with ``python -m rx_lpagent.examples.NAME``."""
