"""Benchmark scripts (they print timings; nothing here is a test)."""
