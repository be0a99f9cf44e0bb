"""The plugin contract of plugnet: every hook a plugin may implement.

This module is the public contract. It is read top to bottom in the order of one
run: a plugin is configured, the core obtains the network driver, the driver
initialises the host (subnet choice, firewall set-up), then serves the container
handlers (addresses, ports, links), and finally tears everything down.

A plugin is an object (usually a class instance) whose methods carry
``@hookimpl`` and whose class declares the contract it was built for::

    from plugnet.core.hookspecs import hookimpl

    class MyBackend:
        plugnet_contract = "1.0"

        @hookimpl
        def plugnet_firewall_setup_network(self, network):
            ...

Call conventions: hooks are always called with keyword arguments, so an
implementation may accept any subset of a hook's arguments. Every argument is a
frozen dataclass from :mod:`plugnet.core.intents` (intent in, never strings to
parse). Errors are raised as :class:`plugnet.core.errors.PlugnetError`
subclasses with a message a user can act on.

Only the plugins selected for a run are imported and registered: the driver
for the resolved mode, one firewall backend, one allocator. So a hook is in
practice served by one plugin of each kind; ``firstresult`` hooks still stop at
the first non-None result so a third party can wrap a built-in with
``tryfirst=True`` and return None to pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Interface
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from plugnet.core.driver import DriverContext, NetworkDriver
    from plugnet.core.intents import (
        DaemonConfig,
        IPRequest,
        LinkIntent,
        NetworkIntent,
        PortForward,
        PortRequest,
        Proto,
        SubnetChoice,
        SubnetRequest,
    )
    from plugnet.core.state import StateStore

PROJECT_NAME = "plugnet"

#: The version of this contract, ``MAJOR.MINOR``. A plugin declares the version it
#: was built for in its ``plugnet_contract`` attribute. Another MAJOR is refused at
#: load time; a lower MINOR loads (minor versions only add optional hooks).
CONTRACT_VERSION = "1.0"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

#: The hooks each plugin kind (entry-point namespace) MUST implement. A plugin that
#: lacks one is refused at load time with the names of the missing hooks. Every
#: other hook is optional for that kind.
REQUIRED_HOOKS: dict[str, frozenset[str]] = {
    "plugnet.drivers": frozenset({"plugnet_make_driver"}),
    "plugnet.firewall": frozenset(
        {
            "plugnet_firewall_setup_network",
            "plugnet_firewall_teardown_network",
            "plugnet_firewall_add_port",
            "plugnet_firewall_del_port",
            "plugnet_firewall_add_link",
            "plugnet_firewall_del_link",
        }
    ),
    "plugnet.ipam": frozenset(
        {
            "plugnet_choose_subnet",
            "plugnet_request_ip",
            "plugnet_release_ip",
            "plugnet_request_port",
            "plugnet_release_port",
            "plugnet_release_owner",
        }
    ),
}


# -------------------------------------------------------------------------
# Initialisation hooks, called for every selected plugin
# -------------------------------------------------------------------------


@hookspec
def plugnet_configure(config: DaemonConfig, state: StateStore) -> None:
    """Called once after the selected plugins are registered, before any other hook.

    A plugin keeps what it needs (for an allocator, the state store where its
    leases live). It MUST NOT touch the kernel here: ``plugnet status`` and
    ``--dry-run`` also configure plugins.

    :param config: the validated daemon flags.
    :param state: the state store; create tables with
        :meth:`~plugnet.core.state.StateStore.ensure_schema`.

    .. versionadded:: 1.0

    Use in plugnet plugins
    ~~~~~~~~~~~~~~~~~~~~~~
    Any plugin kind may implement it; most stateful ones do.
    """


# -------------------------------------------------------------------------
# Driver selection: how the core obtains the network driver
# -------------------------------------------------------------------------


@hookspec(firstresult=True)
def plugnet_make_driver(mode: str, context: DriverContext) -> NetworkDriver | None:
    """Return the network driver for ``mode``, or None if this plugin does not serve it.

    The core resolves the mode from the flags (``-b none`` gives ``none``,
    anything else ``bridge``), loads the ``plugnet.drivers`` entry point of that
    name, and calls this hook. The object returned must satisfy
    :class:`plugnet.core.driver.NetworkDriver`; the core then calls its
    ``init`` (or ``plan``, or ``resume``) and ``register_handlers``.

    Stops at first non-None result.

    :param mode: the resolved mode, e.g. ``"bridge"``.
    :param context: config, state store, typed access to the other plugins'
        hooks, the selected firewall backend's name, and the user log.
    :return: a driver, or None to let another plugin answer.

    .. versionadded:: 1.0

    Use in plugnet plugins
    ~~~~~~~~~~~~~~~~~~~~~~
    Implemented by network drivers (``plugnet.drivers``); required there.
    """


# -------------------------------------------------------------------------
# Allocator hooks: subnet for a new bridge, container addresses, host ports
# -------------------------------------------------------------------------


@hookspec(firstresult=True)
def plugnet_choose_subnet(request: SubnetRequest) -> SubnetChoice | None:
    """Choose the address of a new bridge when ``--bip`` was not given.

    Docker 1.2 walks 12 candidates (``172.17.42.1/16`` first) and takes the first
    that overlaps no nameserver of resolv.conf and no route of the main table
    (the default route excluded). An allocator that finds nothing MUST raise
    :class:`~plugnet.core.errors.Exhausted` with Docker's message
    (``Could not find a free IP address range for interface '...'``) followed by
    what each candidate collided with.

    Stops at first non-None result.

    :param request: the bridge name, the routes of the main table and the
        text of resolv.conf, gathered by the driver so the allocator stays pure.
    :return: the chosen bridge address with prefix, or None to pass.

    .. versionadded:: 1.0

    Use in plugnet plugins
    ~~~~~~~~~~~~~~~~~~~~~~
    Implemented by allocators (``plugnet.ipam``); required there. Called by
    the bridge driver's ``init`` only when it creates the default bridge.
    """


@hookspec(firstresult=True)
def plugnet_request_ip(request: IPRequest) -> IPv4Address | None:
    """Reserve a container address on a network for an owner.

    Without ``request.requested`` the allocator picks the next free address in
    Docker's order (the first container gets network+2; the gateway, network
    and broadcast addresses are never handed out; a released address returns
    only after the cursor wraps). A requested address is range-checked and
    MUST be refused with :class:`~plugnet.core.errors.Conflict` when taken or
    :class:`~plugnet.core.errors.InvalidConfig` when outside the subnet or the
    gateway. A full pool raises :class:`~plugnet.core.errors.Exhausted`.

    The reservation is durable once the hook returns, and it is safe against
    concurrent processes.

    Stops at first non-None result.

    :param request: network (bridge address with prefix), owner, requested address.
    :return: the reserved address.

    .. versionadded:: 1.0

    Use in plugnet plugins
    ~~~~~~~~~~~~~~~~~~~~~~
    Implemented by allocators; required there.
    """


@hookspec
def plugnet_release_ip(network: IPv4Interface, owner: str) -> None:
    """Release the address ``owner`` holds on ``network``.

    MUST be idempotent: releasing twice, or for an owner with nothing, is a
    no-op and never frees another owner's address (Docker 1.2's double-release
    bug).

    :param network: the bridge address with prefix.
    :param owner: the container id.

    .. versionadded:: 1.0

    Use in plugnet plugins
    ~~~~~~~~~~~~~~~~~~~~~~
    Implemented by allocators; required there.
    """


@hookspec(firstresult=True)
def plugnet_request_port(request: PortRequest) -> int | None:
    """Reserve a host port for an owner.

    ``request.port`` 0 asks for a dynamic port from the range (Docker: 49153 to
    65535, round-robin per host address and protocol). An explicit port that is
    taken MUST raise :class:`~plugnet.core.errors.Conflict` with Docker's message
    ``Bind for IP:PORT failed: port is already allocated``; ``0.0.0.0`` clashes
    with every specific address on the same port and protocol. When the range is
    full: :class:`~plugnet.core.errors.Exhausted` (``all ports are allocated``).

    Stops at first non-None result.

    :param request: owner, host address, protocol and port (0 for dynamic).
    :return: the reserved port.

    .. versionadded:: 1.0

    Use in plugnet plugins
    ~~~~~~~~~~~~~~~~~~~~~~
    Implemented by allocators; required there.
    """


@hookspec
def plugnet_release_port(owner: str, host_ip: IPv4Address, proto: Proto, port: int) -> None:
    """Release one host port of ``owner``; idempotent, as :func:`plugnet_release_ip`.

    :param owner: the container id.
    :param host_ip: the host address the port was reserved on.
    :param proto: ``tcp`` or ``udp``.
    :param port: the host port.

    .. versionadded:: 1.0

    Use in plugnet plugins
    ~~~~~~~~~~~~~~~~~~~~~~
    Implemented by allocators; required there.
    """


@hookspec
def plugnet_release_owner(owner: str) -> None:
    """Release every address and port ``owner`` holds; idempotent.

    Called by ``release_interface`` and by crash reconciliation for containers
    whose network namespace is gone.

    :param owner: the container id.

    .. versionadded:: 1.0

    Use in plugnet plugins
    ~~~~~~~~~~~~~~~~~~~~~~
    Implemented by allocators; required there.
    """


@hookspec
def plugnet_reset_allocations() -> None:
    """Forget every lease (called by ``teardown`` after the driver removed all).

    .. versionadded:: 1.0

    Use in plugnet plugins
    ~~~~~~~~~~~~~~~~~~~~~~
    Optional for allocators.
    """


# -------------------------------------------------------------------------
# Firewall hooks: the network's base rules, then per-container rules
# -------------------------------------------------------------------------


@hookspec
def plugnet_firewall_setup_network(network: NetworkIntent) -> None:
    """Install the network's base rules (the firewall's init call).

    For the bridge network this is Docker's ``setupIPTables`` plus the nat
    ``DOCKER`` chain: masquerade for the subnet leaving through another
    interface, the ICC accept-or-drop rule, outgoing accept, related/established
    accept, and the jumps that send locally addressed traffic to the port
    forwards. It MUST be idempotent (a second call duplicates nothing), MUST
    switch the ICC verdict when ``network.icc`` changed, and MUST be one atomic
    change: either every rule is in place or none changed. Rules MUST be
    identifiable as plugnet's, and a user's rules MUST survive.

    :param network: bridge, address, icc, masquerade.

    .. versionadded:: 1.0

    Use in plugnet plugins
    ~~~~~~~~~~~~~~~~~~~~~~
    Implemented by firewall backends (``plugnet.firewall``); required there.
    """


@hookspec
def plugnet_firewall_teardown_network(network: NetworkIntent) -> None:
    """Remove every rule this backend wrote for ``network``, port and link rules too.

    MUST succeed when nothing is there (after a crash, a flush, or a switch from
    another backend), and MUST NOT touch a rule plugnet did not write.

    :param network: the network as it was set up.

    .. versionadded:: 1.0

    Use in plugnet plugins
    ~~~~~~~~~~~~~~~~~~~~~~
    Implemented by firewall backends; required there. Also called on the
    *previous* backend when ``init`` switches backends (the cleaner).
    """


@hookspec
def plugnet_firewall_add_port(network: NetworkIntent, forward: PortForward) -> None:
    """Publish one port: DNAT host traffic to the container and let it through.

    The published port MUST be reachable from other hosts, from the host itself
    on its addresses and on 127.0.0.1, and from containers through the host's
    address (hairpin). Adding the same forward twice MUST NOT duplicate rules.
    One atomic change.

    :param network: the container's network.
    :param forward: host address and port, container address and port, protocol, owner.

    .. versionadded:: 1.0

    Use in plugnet plugins
    ~~~~~~~~~~~~~~~~~~~~~~
    Implemented by firewall backends; required there.
    """


@hookspec
def plugnet_firewall_del_port(network: NetworkIntent, forward: PortForward) -> None:
    """Remove what :func:`plugnet_firewall_add_port` added; a missing rule is success.

    :param network: the container's network.
    :param forward: the forward as it was added.

    .. versionadded:: 1.0

    Use in plugnet plugins
    ~~~~~~~~~~~~~~~~~~~~~~
    Implemented by firewall backends; required there.
    """


@hookspec
def plugnet_firewall_add_link(network: NetworkIntent, link: LinkIntent) -> None:
    """Let the parent reach the child on exactly ``link.ports`` (and the replies back).

    With ICC off this is the only way the two containers talk. One atomic change;
    no duplicates when added twice.

    :param network: the containers' network.
    :param link: parent and child addresses, the child's ports.

    .. versionadded:: 1.0

    Use in plugnet plugins
    ~~~~~~~~~~~~~~~~~~~~~~
    Implemented by firewall backends; required there.
    """


@hookspec
def plugnet_firewall_del_link(network: NetworkIntent, link: LinkIntent) -> None:
    """Remove what :func:`plugnet_firewall_add_link` added; a missing rule is success.

    :param network: the containers' network.
    :param link: the link as it was added.

    .. versionadded:: 1.0

    Use in plugnet plugins
    ~~~~~~~~~~~~~~~~~~~~~~
    Implemented by firewall backends; required there.
    """


@hookspec
def plugnet_firewall_reapply(
    network: NetworkIntent,
    forwards: Sequence[PortForward],
    links: Sequence[LinkIntent],
) -> None:
    """Make the backend's rules exactly the given intent, in one atomic change.

    Restores rules after ``nft flush ruleset`` or ``iptables -F``, and removes
    stale port and link rules of containers that no longer exist (after a crash;
    Docker 1.2 leaked them). Rules of plugnet that are not in the intent go;
    missing ones come back; a user's rules are untouched.

    :param network: the network's base intent.
    :param forwards: every port forward that should exist.
    :param links: every link that should exist.

    .. versionadded:: 1.0

    Use in plugnet plugins
    ~~~~~~~~~~~~~~~~~~~~~~
    Optional for firewall backends. Without it the core falls back to teardown,
    then setup, then adding each forward and link (not atomic).
    """


@hookspec(firstresult=True)
def plugnet_firewall_plan(
    network: NetworkIntent,
    forwards: Sequence[PortForward],
    links: Sequence[LinkIntent],
) -> list[str] | None:
    """Return the exact rules this backend would write for the intent, writing nothing.

    Used by ``plugnet init --dry-run``. The lines are in the backend's own syntax
    (``iptables-save`` lines, ``nft`` statements) so a user can compare them with
    what the host shows later.

    Stops at first non-None result.

    :param network: the network's base intent.
    :param forwards: port forwards to include.
    :param links: links to include.
    :return: the rules, one per line.

    .. versionadded:: 1.0

    Use in plugnet plugins
    ~~~~~~~~~~~~~~~~~~~~~~
    Optional for firewall backends.
    """
