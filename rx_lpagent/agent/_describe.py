"""One-line texts of errors and retries, for the agent's log records and the commands' consoles.

Below both: the agent's event log and the CLI import these, so neither imports the other upward.
The texts are built from the errors' own messages, which never carry a secret.
"""

from __future__ import annotations

from rx_lpagent.errors import SDKError
from rx_lpagent.events import Retrying

__all__ = ["describe_error", "describe_retry"]


def describe_error(error: BaseException) -> str:
    """``code service: message`` for an SDKError, the class and text for anything else."""
    if isinstance(error, SDKError):
        code = "" if error.code is None else f"{error.code} "
        service = f"{error.service}: " if error.service else ""
        return f"{code}{service}{error.message}"
    return f"{type(error).__name__}: {error}"


def describe_retry(event: Retrying) -> str:
    """``retry 2 in 20 s`` (``reconnect in 1.4 s`` for the first reconnect after a drop)."""
    what = "reconnect" if event.attempt == 0 else f"retry {event.attempt}"
    return f"{what} in {event.delay:.3g} s"
