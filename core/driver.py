"""The network-driver contract: what a driver object offers once a hook made it.

The core never imports a driver. It resolves the mode from the flags, loads the
plugin registered under that name in ``plugnet.drivers``, and asks it for a
driver through :func:`~plugnet.core.hookspecs.plugnet_make_driver`. What comes
back must satisfy :class:`NetworkDriver`.

Phases, as neutron-lib states them for ML2 drivers:

- ``plan`` must not touch the kernel and may raise freely.
- ``init`` changes the host (bridge, firewall, sysctls). It MUST be idempotent:
  running it on an initialised host changes nothing and duplicates nothing. On
  failure it MUST leave the host as it found it.
- ``resume`` MUST NOT touch the kernel: it only rebuilds in-memory handles from
  the state store, so a short-lived CLI process can serve one handler call.
- The container handlers are registered in ``register_handlers`` under Docker's
  job names. Each handler either completes or leaves the host and the state as
  they were.
- ``teardown`` removes everything the driver created and records nothing more.
  It continues past errors and raises one error listing them at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from plugnet.core import messages
from plugnet.core.errors import Conflict, NetworkingDisabled

if TYPE_CHECKING:
    from plugnet.core.hookcaller import Hooks
    from plugnet.core.intents import DaemonConfig
    from plugnet.core.state import StateStore

__all__ = [
    "HANDLER_NAMES",
    "DriverContext",
    "HandlerRegistry",
    "InitReport",
    "NetworkDriver",
]

#: Docker 1.2's four job names, then plugnet's inverse operations that Docker
#: folded into release_interface and the link job's action flag, and the
#: firewall reconciliation. The signatures a driver registers under them::
#:
#:     allocate_interface(request: AttachRequest) -> Attachment
#:     release_interface(container: str) -> bool          # True if anything was released
#:     allocate_port(container: str, spec: PortSpec) -> PortBinding
#:     link(parent: str, child: str, ports: tuple[PortProto, ...]) -> LinkIntent
#:     release_port(container: str, spec: PortSpec) -> bool
#:     unlink(parent: str, child: str) -> bool
#:     firewall_reapply() -> None
HANDLER_NAMES = (
    "allocate_interface",
    "release_interface",
    "allocate_port",
    "link",
    "release_port",
    "unlink",
    "firewall_reapply",
)

Logger = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class DriverContext:
    """Everything a driver may use, handed over when the driver is made.

    :ivar config: the validated daemon flags.
    :ivar state: the state store; a driver keeps its own tables in it.
    :ivar hooks: typed access to the other plugins (firewall, allocators).
    :ivar firewall: the name of the selected firewall backend.
    :ivar log: Docker's ``job.Logf``: one line to stderr, for the user.
    """

    config: DaemonConfig
    state: StateStore
    hooks: Hooks
    firewall: str
    log: Logger


@dataclass(slots=True)
class InitReport:
    """What ``init`` did (or, for a plan, would do), one line per change."""

    changes: list[str] = field(default_factory=list)
    #: Facts for ``plugnet status``: bridge, address, mtu...
    facts: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class NetworkDriver(Protocol):
    """A network driver, as returned by ``plugnet_make_driver``."""

    #: The mode this driver serves (``bridge``, ``none``, or a third party's).
    name: str

    def plan(self) -> InitReport:
        """Say what ``init`` would change, touching nothing."""
        ...

    def init(self) -> InitReport:
        """Set the host up (Docker's ``init_networkdriver`` job)."""
        ...

    def resume(self) -> None:
        """Rebuild in-memory handles from the state store; touch no kernel object."""
        ...

    def register_handlers(self, registry: HandlerRegistry) -> None:
        """Register the container handlers this driver serves (none for ``none``)."""
        ...

    def status(self) -> dict[str, Any]:
        """Facts for ``plugnet status`` (bridge, subnet, attachments...)."""
        ...

    def teardown(self) -> InitReport:
        """Remove everything the driver created on the host and in the state."""
        ...


class HandlerRegistry:
    """Docker's engine handler table: job name to callable.

    A second registration of a name is an error, as in Docker
    (``Can't overwrite handler for command %s``).
    """

    def __init__(self) -> None:
        self._handlers: dict[str, Callable[..., Any]] = {}

    def register(self, name: str, handler: Callable[..., Any]) -> None:
        if name in self._handlers:
            raise Conflict(messages.HANDLER_EXISTS.format(name=name))
        self._handlers[name] = handler

    def get(self, name: str) -> Callable[..., Any]:
        """The handler for ``name``; when none is registered, networking is off."""
        try:
            return self._handlers[name]
        except KeyError:
            raise NetworkingDisabled(
                f"networking is disabled (-b none): no {name} handler is registered"
            ) from None

    def names(self) -> list[str]:
        return sorted(self._handlers)

    def __contains__(self, name: object) -> bool:
        return name in self._handlers
