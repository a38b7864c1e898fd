"""``python -m rx_lpagent soak``: the chaos soak, one agent against the embedded emulator.

Modules: :mod:`~rx_lpagent.soak.chaos` (the faults and their seeded pick),
:mod:`~rx_lpagent.soak.ledger` (what is counted), :mod:`~rx_lpagent.soak.runner` (the run) and
:mod:`~rx_lpagent.soak.cli` (options, summary, final line, exit status).
"""

from rx_lpagent.soak.cli import register, run

__all__ = ["register", "run"]
