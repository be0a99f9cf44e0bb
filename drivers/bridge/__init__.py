"""The ``bridge`` network driver: Docker 1.2's docker0 networking on pyroute2.

Modules: :mod:`.plugin` (entry point), :mod:`.driver` (the driver object),
:mod:`.decide` and :mod:`.setup` (init and plan), :mod:`.containers` (attach and
detach), :mod:`.publish` (ports, links, reapply), :mod:`.reconcile` (crash
reconciliation), :mod:`.teardown`, :mod:`.store` (state tables),
:mod:`.kernel` (netlink operations) and :mod:`.demo` (``plugnet demo``).
"""
