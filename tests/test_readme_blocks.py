"""Every Python block of README.md runs as pasted, as a user runs it: a script of its own.

A block is a complete program unless its first line is ``# continues the block above``: then it
runs after the block before it, in one script. The README's table of contents names each
section once, and every link in it leads to a section.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT, run_python

CONTINUES = "# continues the block above"

EXPECTED_OUTPUT = {
    "Quick start": ["['hello', 'hello']", "bot stopped: disposed"],
    "Messaging": ["subscribed: True", "published, sequence", "refused: 400"],
    "asyncio: loops, handlers, wait_closed": [
        "stopped at 3",
        "latest: [7, 8, 9] dropped: 7",
        "raised:",
        "Connect#CSDS",
    ],
    "Filtering events by location": ["refresh failed ('RefreshSession#REST', 503)"],
    "Testing your bot": ["exit status 0"],
    "Delivery guarantees": ["received: ['one', 'two']"],
    "Record and replay": ["login sent", "'password': '<password#1>'", "bearer <bearer#1>"],
    "Running a fleet": ["1234567/bot-0 Connect#CSDS", "1 CSDS lookup for 20 agents"],
}
"""What some blocks print, by the heading they sit under (the first block under it)."""

CORE = {"Quick start", "Messaging", "asyncio: loops, handlers, wait_closed", "Testing your bot"}
"""Headings that must have a block (a typo in EXPECTED_OUTPUT must not pass silently)."""


def _readme() -> str:
    return (ROOT / "README.md").read_text()


def _programs() -> list[tuple[str, str]]:
    """(heading, program) per runnable unit: a block, plus the blocks continuing it."""
    programs: list[tuple[str, str]] = []
    heading = ""
    seen: set[str] = set()
    for match in re.finditer(
        r"^(#{2,3}) ([^\n]+)$|^```python\n(.*?)\n```$", _readme(), re.M | re.S
    ):
        if match.group(2) is not None:
            heading = match.group(2).strip()
            continue
        code = match.group(3)
        if code.startswith(CONTINUES):
            assert programs, "the first block cannot continue another"
            previous_heading, previous = programs[-1]
            programs[-1] = (previous_heading, previous + "\n\n" + code)
        else:
            # only the first block under a heading is named by it (for EXPECTED_OUTPUT)
            programs.append((heading if heading not in seen else f"{heading} (more)", code))
            seen.add(heading)
    return programs


PROGRAMS = _programs()


def test_the_readme_has_python_blocks() -> None:
    assert len(PROGRAMS) >= 10
    headings = {heading for heading, _ in PROGRAMS}
    assert headings >= CORE


@pytest.mark.parametrize(
    ("heading", "program"),
    PROGRAMS,
    ids=[f"{n}-{heading}" for n, (heading, _) in enumerate(PROGRAMS)],
)
def test_every_block_runs_as_pasted(heading: str, program: str) -> None:
    done = run_python("-c", program)
    assert done.returncode == 0, done.stderr
    for text in EXPECTED_OUTPUT.get(heading, []):
        assert text in done.stdout, (text, done.stdout)
    assert "failed:" not in done.stdout or heading == "Filtering events by location"


def _toc_links() -> list[str]:
    contents = _readme().split("## Contents\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"\]\(#([^)]+)\)", contents)


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def test_each_section_once_and_the_contents_lead_to_every_section() -> None:
    sections = re.findall(r"^## (.+)$", _readme(), re.M)
    assert len(sections) == len(set(sections)), "a section heading appears twice"
    anchors = [_anchor(s) for s in sections if s != "Contents"]
    assert _toc_links() == anchors, "the table of contents lists the ## sections, in order"
