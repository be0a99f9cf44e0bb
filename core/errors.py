"""The error types of plugnet and of every plugin.

Errors come in categories, as neutron-lib's do: a caller catches a category
(``NotFound``, ``Conflict``...) and the CLI maps each category to an exit code.
Plugins raise these types too, so a user always gets one clear line and never a
traceback. Docker 1.2's user-visible messages are kept byte-exact in
:mod:`plugnet.core.messages`.
"""

from __future__ import annotations

__all__ = [
    "Conflict",
    "ContractMismatch",
    "Exhausted",
    "InvalidConfig",
    "KernelError",
    "NetworkingDisabled",
    "NotFound",
    "PluginError",
    "PlugnetError",
    "Unavailable",
]


class PlugnetError(Exception):
    """Base of every error plugnet or a plugin reports to a user.

    ``str(error)`` is the one line the CLI prints. ``exit_code`` is what the CLI
    exits with.
    """

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidConfig(PlugnetError):
    """A flag, argument or request is malformed or contradicts another one.

    Raised before anything on the host changes.
    """

    exit_code = 2


class NotFound(PlugnetError):
    """Something the request names does not exist (a bridge, a netns, a container)."""

    exit_code = 3


class Conflict(PlugnetError):
    """The request clashes with what exists (an address or port already taken,
    a bridge configured differently, a container already attached)."""

    exit_code = 4


class Exhausted(Conflict):
    """A pool has nothing left to hand out (addresses, ports, subnets)."""


class Unavailable(PlugnetError):
    """A backend or library cannot work on this host; the message says what to install."""

    exit_code = 5


class NetworkingDisabled(PlugnetError):
    """Networking is disabled (``-b none``): the container handlers do not exist."""

    exit_code = 6


class KernelError(PlugnetError):
    """The kernel refused an operation; the message names the operation and errno."""

    exit_code = 7


class PluginError(PlugnetError):
    """A plugin failed to load or broke the contract.

    :param plugin: the plugin's entry-point name.
    :param distribution: the distribution that provides it, with its version.
    :param reason: one line saying what is wrong.
    """

    exit_code = 8

    def __init__(self, plugin: str, distribution: str, reason: str) -> None:
        super().__init__(f"plugin {plugin!r} from {distribution}: {reason}")
        self.plugin = plugin
        self.distribution = distribution
        self.reason = reason


class ContractMismatch(PluginError):
    """A plugin was built for another major version of the hook contract."""
