"""plugnet's test kit for plugin authors (and for plugnet's own tests).

- :mod:`plugnet.testing.pytest_plugin`: the fixtures (loaded by pytest through
  the ``pytest11`` entry point wherever plugnet is installed);
- :mod:`plugnet.testing.contracts`: the contract suites to subclass;
- :mod:`plugnet.testing.stack`: :class:`PluginStack`, the plugins of one run;
- :mod:`plugnet.testing.recorder`: :class:`HookRecorder`;
- :mod:`plugnet.testing.netns`, :mod:`~plugnet.testing.snapshot`,
  :mod:`~plugnet.testing.echo`, :mod:`~plugnet.testing.topology`: namespaces,
  before/after checks, TCP echo, a hand-built bridge network;
- :mod:`plugnet.testing.sandbox`: the runner every kernel test runs inside;
- :mod:`plugnet.testing.hookdoc`: the hook reference of docs/plugins.md.

Importing this package imports nothing else.
"""
