"""Property: retry_with_backoff in virtual time does exactly what its pure policy state says.

A plain loop drives ``BackoffState`` through a random script of failures and a success, and
predicts when each attempt starts and how the pipeline ends; the Rx pipeline must agree.
Integer delays and durations (quarter seconds once jittered) keep virtual time exact.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from rx_lpagent.errors import AuthenticationError, RateLimitedError, ServerError
from rx_lpagent.rx import UNBOUNDED, Backoff, Jitter, retry_with_backoff
from rx_lpagent.testing import fail, run_virtual, scripted, succeed


@dataclass(frozen=True)
class Play:
    outcome: str  # "ok", "5xx", "429" or "401"
    after: int
    retry_after: int | None = None

    def error(self) -> Exception:
        if self.outcome == "5xx":
            return ServerError("busy", 503)
        if self.outcome == "429":
            return RateLimitedError("slow down", 429, retry_after=self.retry_after)
        return AuthenticationError("who are you", 401)


plays = st.builds(
    Play,
    outcome=st.sampled_from(["ok", "5xx", "5xx", "429", "401"]),
    after=st.integers(0, 30),
    retry_after=st.one_of(st.none(), st.integers(0, 20)),
)


@st.composite
def policies(draw: st.DrawFn) -> Backoff:
    unbounded = draw(st.booleans())
    return Backoff(
        initial=float(draw(st.integers(0, 5))),
        ratio=float(draw(st.integers(1, 3))),
        max_delay=float(draw(st.integers(0, 40))),
        max_attempts=UNBOUNDED if unbounded else draw(st.integers(0, 6)),
        # an unbounded policy needs a time limit, and time must pass for it to bind
        max_elapsed=float(draw(st.integers(0, 120))) if unbounded else None,
        min_delay=float(draw(st.integers(1 if unbounded else 0, 2))),
        reset_after=draw(st.one_of(st.none(), st.integers(1, 25).map(float))),
        # a constant draw keeps the jittered delays on quarter seconds (exact in virtual time)
        jitter=draw(st.sampled_from([Jitter.NONE, Jitter.FULL, Jitter.EQUAL])),
        random=lambda: 0.5,
    )


def _predict(policy: Backoff, script: list[Play]) -> tuple[list[float], float, str]:
    state = policy.start(0.0)
    now, starts = 0.0, []
    for index in range(200):
        starts.append(now)
        play = script[min(index, len(script) - 1)]
        ended = now + play.after
        if play.outcome == "ok":
            return starts, ended, "completed"
        decision = state.failed(play.error(), ended)
        if isinstance(decision, Exception):
            return starts, ended, type(decision).__name__
        now = ended + decision[1]
        state.started(now)
    return starts, now, "still retrying"


@settings(max_examples=100, deadline=None)
@given(policy=policies(), script=st.lists(plays, min_size=1, max_size=8))
def test_the_pipeline_follows_the_policy_state(policy: Backoff, script: list[Play]) -> None:
    starts, end, outcome = _predict(policy, script)
    source = scripted(
        *(succeed("ok", play.after) if play.outcome == "ok" else fail(play.error(), play.after)
          for play in script)
    )  # fmt: skip

    timeline = run_virtual(
        lambda vt: vt.track(source).pipe(retry_with_backoff(policy)), until=starts[-1] + 31
    )

    assert timeline.subscribed_at[: len(starts)] == starts
    if outcome != "still retrying":
        assert len(timeline.subscribed_at) == len(starts)
    if outcome == "completed":
        assert timeline.completed
        assert timeline.times == [end, end]
    elif outcome != "still retrying":
        assert type(timeline.error).__name__ == outcome
        assert timeline.times == [end]
