"""plugnet: container networking on a Linux host the way Docker's daemon does it.

Every moving part is a plugin: network drivers (``plugnet.drivers``), firewall
backends (``plugnet.firewall``) and allocators (``plugnet.ipam``) are found
through entry points and called through the hooks in
:mod:`plugnet.core.hookspecs`.

Importing this package touches neither the kernel nor the environment, and it
imports nothing heavy: the CLI's start-up time depends on it.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
