"""``python -m rx_lpagent soak``: a small run per transport, its arguments, and its counting."""

from __future__ import annotations

import re

import pytest

from rx_lpagent.cli import main
from rx_lpagent.errors import RequestTimeoutError
from rx_lpagent.soak.cli import passed
from rx_lpagent.soak.ledger import Deliveries, RequestLedger
from rx_lpagent.soak.runner import SoakResult

FINAL_LINE = re.compile(
    r"soak (?P<verdict>PASS|FAIL): requests (?P<requests>\d+): ok (?P<ok>\d+), "
    r"failed typed (?P<typed>\d+), untyped (?P<untyped>\d+), hung (?P<hung>\d+), "
    r"completed twice (?P<twice>\d+); consumer messages (?P<sent>\d+): lost (?P<lost>\d+), "
    r"duplicated (?P<duplicated>\d+); reconnects (?P<reconnects>\d+) \(.* s, seed 3, "
    r"(?P<transport>\w+)\)$"
)


@pytest.mark.parametrize(
    ("transport", "plain"),
    [("aiohttp", ["--plain"]), ("websockets", [])],
    ids=["aiohttp-plain", "websockets-rich"],
)
def test_a_small_soak_ends_every_request_and_delivers_nothing_twice(
    transport: str, plain: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["soak", "--requests", "100", "--seed", "3", "--transport", transport, *plain]
    assert main(argv) == 0
    out = capsys.readouterr().out
    found = FINAL_LINE.match(out.rstrip().splitlines()[-1])
    assert found is not None, out
    counts = {name: int(value) for name, value in found.groupdict().items() if value.isdigit()}
    assert found["verdict"] == "PASS"
    assert found["transport"] == transport
    assert counts["requests"] == counts["ok"] + counts["typed"] == 100
    assert counts["untyped"] == counts["hung"] == counts["twice"] == 0
    assert counts["lost"] == counts["duplicated"] == 0
    assert counts["reconnects"] >= 1
    assert counts["sent"] > 0
    for table in ("Requests", "Faults injected", "Outcomes by location", "Consumer messages"):
        assert table in out
    assert ("┏" in out) is not bool(plain)  # rich draws its tables, plain text does not


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--requests", "0"], "argument --requests: 0 is not a positive number"),
        (["--requests", "many"], "argument --requests: 'many' is not a whole number"),
        (["--seed", "x"], "argument --seed: invalid int value: 'x'"),
        (["--transport", "tcp"], "argument --transport: invalid choice: 'tcp'"),
    ],
)
def test_a_bad_argument_is_one_line_and_exit_status_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["soak", *argv])
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(f"python -m rx_lpagent soak: error: {message}")


def test_help_shows_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["soak", "--help"])
    assert exited.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for expected in (
        "how many requests to make (default: 2000)",
        "(default: 1)",
        "{aiohttp,websockets}",
        "(default: websockets)",
        "requests per concurrent wave (default: 20)",
    ):
        assert expected in out


def test_the_ledger_tells_ok_typed_untyped_hung_and_twice_apart() -> None:
    ledger = RequestLedger()
    ok, typed, untyped, silent, twice, hung = (ledger.start() for _ in range(6))
    ledger.value(ok)
    ledger.completed(ok)
    ledger.failed(typed, RequestTimeoutError("no answer"))
    ledger.failed(untyped, KeyError("oops"))
    ledger.completed(silent)  # completed without its value: not an answer
    for _ in range(2):
        ledger.value(twice)
        ledger.completed(twice)
    ledger.give_up_on([hung])
    ledger.value(hung)  # too late: it stays hung
    ledger.completed(hung)
    assert (ledger.ok, ledger.typed, ledger.untyped, ledger.hung, ledger.twice) == (1, 1, 2, 1, 1)
    assert ledger.errors == {"RequestTimeoutError": 1, "KeyError": 1}


def test_deliveries_count_lost_and_duplicated_by_dialog_and_sequence() -> None:
    deliveries = Deliveries()
    deliveries.deliver("d1", 1)  # may arrive before send() returns
    for sequence in (1, 2, 3):
        deliveries.send("d1", sequence)
    deliveries.send("d2", 1)
    deliveries.deliver("d1", 2)
    deliveries.deliver("d1", 2)
    deliveries.deliver("d1", 2)
    deliveries.deliver("d2", 1)
    assert (deliveries.lost, deliveries.duplicated) == (1, 2)
    assert deliveries.missing == {("d1", 3)}


def test_the_verdict_judges_hung_untyped_twice_lost_and_duplicated() -> None:
    result = SoakResult()
    result.messages.send("d1", 1)
    result.messages.deliver("d1", 1)
    assert passed(result)
    result.messages.send("d1", 2)  # never delivered: lost
    assert not passed(result)
    result = SoakResult()
    result.messages.deliver("d2", 1)
    result.messages.deliver("d2", 1)
    assert not passed(result)
    for spoil in ("hung", "untyped", "twice"):
        result = SoakResult()
        record = result.requests.start()
        if spoil == "hung":
            result.requests.give_up_on([record])
        elif spoil == "untyped":
            result.requests.failed(record, RuntimeError("bare"))
        else:
            result.requests.failed(record, RequestTimeoutError("late"))
            result.requests.completed(record)
        assert not passed(result), spoil
