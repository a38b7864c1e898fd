"""What the agent reports on ``agent.events``, also as stdlib log records.

Loggers: ``rx_lpagent.agent`` (connected, reconnected, socket closed), ``rx_lpagent.flows``
(step outcomes), ``rx_lpagent.recovery`` (retries and give-ups); a raising callback of the
user's is logged once, by ``rx_lpagent.callbacks``. Levels: failures and retries
WARNING, a give-up ERROR, connected/reconnected INFO, the rest DEBUG. Records are built from the
errors' own texts, which never carry a secret, and never include tracebacks (a library exception
chained below an error may quote a bearer URL).
"""

from __future__ import annotations

import logging

from rx_lpagent.agent._describe import describe_error, describe_retry
from rx_lpagent.events import (
    AgentEvent,
    Closed,
    Connected,
    ErrorEvent,
    Location,
    Retrying,
    SuccessEvent,
)

__all__ = ["EventLog"]

_agent_log = logging.getLogger("rx_lpagent.agent")
_flows_log = logging.getLogger("rx_lpagent.flows")
_recovery_log = logging.getLogger("rx_lpagent.recovery")


class EventLog:
    """Subscribe one to ``agent.events``: each event becomes one log record."""

    def __init__(self, account_id: str) -> None:
        self._account_id = account_id
        self._connected_before = False

    def __call__(self, event: AgentEvent) -> None:
        extra = {"lp_account": self._account_id, "lp_location": event.location}
        prefix = f"account {self._account_id}: "
        if isinstance(event, Retrying):
            _recovery_log.warning(
                "%s%s: %s (%s policy) after %s",
                prefix,
                event.location,
                describe_retry(event),
                event.policy or "?",
                describe_error(event.error),
                extra=extra,
            )
        elif isinstance(event, ErrorEvent) and event.location == Location.RECOVERY_GIVE_UP:
            _recovery_log.error(
                "%srecovery gave up: %s", prefix, describe_error(event.error), extra=extra
            )
        elif isinstance(event, ErrorEvent) and event.location == Location.CALLBACK_RAISED:
            pass  # rx_lpagent.callbacks logged it already, at ERROR with the caller's traceback
        elif isinstance(event, ErrorEvent):
            _flows_log.warning(
                "%s%s failed: %s", prefix, event.location, describe_error(event.error), extra=extra
            )
        elif isinstance(event, SuccessEvent):
            _flows_log.debug("%s%s ok", prefix, event.location, extra=extra)
        elif isinstance(event, Connected):
            what = "reconnected" if self._connected_before else "connected"
            self._connected_before = True
            _agent_log.info("%s%s", prefix, what, extra=extra)
        elif isinstance(event, Closed):
            # the Socket#Close error event that follows is the WARNING
            _agent_log.debug("%ssocket closed (code %s)", prefix, event.code, extra=extra)
        else:
            _agent_log.debug(
                "%s%s at %s", prefix, type(event).__name__, event.location, extra=extra
            )
