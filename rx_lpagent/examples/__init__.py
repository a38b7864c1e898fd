"""Example bots, written the way this library is meant to be used: pipelines over the agent's
notification streams that flat-map into requests. Run one against a real account::

    LP_ACCOUNT=... LP_USER=... LP_PASS=... python -m rx_lpagent.examples.greeting_bot

or against an embedded emulator with a scripted consumer::

    python -m rx_lpagent.examples.echo_bot --emulator

* :mod:`.greeting_bot`: joins every new conversation as a MANAGER and says hello.
* :mod:`.echo_bot`: takes conversations from routing (accepts rings), reads their history,
  echoes each consumer message and closes the conversation on ``#close``.
"""
