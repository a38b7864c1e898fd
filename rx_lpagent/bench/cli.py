"""``python -m rx_lpagent bench NAME [options]``: run one of the benchmark scripts.

Each benchmark is a module of :mod:`rx_lpagent.bench` with a ``main(argv)``; this only finds it.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable, Sequence

import rx_lpagent.bench

__all__ = ["available", "register"]

_NOT_BENCHMARKS = frozenset({"cli", "fast_server"})
"""This command, and the server ``bench agent --server fast`` starts."""


def available() -> list[str]:
    """The benchmark names, e.g. ``decode``, ``retry``, ``transports``, ``emulator``."""
    return sorted(
        module.name
        for module in pkgutil.iter_modules(rx_lpagent.bench.__path__)
        if module.name not in _NOT_BENCHMARKS and not module.name.startswith("_")
    )


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    parser.add_argument("name", choices=available(), help="which benchmark")
    parser.add_argument(
        "options", nargs=argparse.REMAINDER, help="passed on (see: bench NAME --help)"
    )
    return run


def run(args: argparse.Namespace) -> int:
    module = importlib.import_module(f"rx_lpagent.bench.{args.name}")
    bench_main: Callable[[Sequence[str] | None], int] = module.main
    return bench_main(list(args.options))
