"""``python -m rx_lpagent``: see :mod:`rx_lpagent.cli`."""

from rx_lpagent.cli import main

raise SystemExit(main())
