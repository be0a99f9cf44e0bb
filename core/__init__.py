"""plugnet's core: flags, the plugin contract, the plugin host, the engine, state and CLI.

Public names for plugin authors live in :mod:`plugnet.core.hookspecs` (the hook
contract and ``hookimpl``), :mod:`plugnet.core.intents` (the records that cross
it), :mod:`plugnet.core.driver` (the driver protocol) and
:mod:`plugnet.core.errors` (the error categories). Importing this package
imports none of them, so the CLI pays only for what it uses.
"""
