"""``python -m rx_lpagent demo``: an agent against the embedded emulator while a fault scenario
plays, shown live (rich colours when installed) and summed up in a table.

Modules: :mod:`~rx_lpagent.demo.scenario` (the scenario format and the default one),
:mod:`~rx_lpagent.demo.player` (emulator, agent, traffic, timeline),
:mod:`~rx_lpagent.demo.bot` (the echo bot), :mod:`~rx_lpagent.demo.tally` (the counts) and
:mod:`~rx_lpagent.demo.cli` (options and summary).
"""

from rx_lpagent.demo.cli import register, run

__all__ = ["register", "run"]
