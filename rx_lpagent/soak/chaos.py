"""The faults the soak injects: one seeded pick per wave, applied with the emulator's controls."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from rx_lpagent.emulator import Faults
from rx_lpagent.protocol import wire_types as wt

__all__ = ["FAULTS", "Fault", "pick"]

REQUEST_TYPE = wt.GET_CLOCK
"""The request type the soak sends, and the one its 429/5xx answers are armed on."""


@dataclass(frozen=True)
class Fault:
    """A named thing to break; ``apply`` does it now, drawing any detail from ``rng``."""

    name: str
    weight: int
    apply: Callable[[Faults, random.Random], Awaitable[object]]


async def _close(faults: Faults, code: int) -> int:
    return await faults.close_sockets(code)


async def _half_open(faults: Faults, _: random.Random) -> int:
    return faults.half_open()


async def _expire_token(faults: Faults, _: random.Random) -> int:
    return await faults.expire_bearer()


async def _expire_session(faults: Faults, _: random.Random) -> int:
    return faults.expire_session()


async def _requests_answer(faults: Faults, rng: random.Random, statuses: tuple[int, ...]) -> None:
    faults.fail(REQUEST_TYPE, rng.choice(statuses), times=rng.randint(1, 6))


async def _drop_then_refuse(faults: Faults, rng: random.Random, endpoint: str) -> int:
    """The socket drops and the first step of the reconnect (CSDS or login) is refused too."""
    faults.fail(endpoint, rng.choice((429, 500, 503)), times=rng.randint(1, 2))
    return await faults.close_sockets(rng.choice((1006, 1011)))


FAULTS: tuple[Fault, ...] = (
    Fault("socket dropped (1006)", 3, lambda f, _: _close(f, 1006)),
    Fault("socket closed 1011", 2, lambda f, _: _close(f, 1011)),
    Fault("socket closed 4401", 2, lambda f, _: _close(f, 4401)),
    Fault("socket half-open", 2, _half_open),
    Fault("token expired", 2, _expire_token),
    Fault("login session expired", 1, _expire_session),
    Fault("requests answered 429", 3, lambda f, r: _requests_answer(f, r, (429,))),
    Fault("requests answered 5xx", 3, lambda f, r: _requests_answer(f, r, (500, 502, 503))),
    Fault("drop, then CSDS refused", 1, lambda f, r: _drop_then_refuse(f, r, "csds")),
    Fault("drop, then login refused", 1, lambda f, r: _drop_then_refuse(f, r, "login")),
)


def pick(rng: random.Random) -> Fault:
    return rng.choices(FAULTS, weights=[fault.weight for fault in FAULTS])[0]
