"""Helpers for testing code built on rx_lpagent: virtual time for Rx pipelines."""

from rx_lpagent.testing.virtual_time import (
    Event,
    Subscription,
    Timeline,
    VirtualTime,
    fail,
    run_virtual,
    scripted,
    succeed,
)

__all__ = [
    "Event",
    "Subscription",
    "Timeline",
    "VirtualTime",
    "fail",
    "run_virtual",
    "scripted",
    "succeed",
]
