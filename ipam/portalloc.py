"""Host port strategy: a dynamic range with a round-robin cursor per (host IP, proto).

The cursor is kept per host address and protocol as in Docker 1.2, for the same
reason as the address cursor: a port just released is not handed to the next
container at once, so a client still talking to the old one does not reach the
new one. Unlike Docker 1.2, ``0.0.0.0`` clashes with every specific address on
the same port and protocol (the kernel refuses that second bind anyway), the
first dynamic port is checked like every other, explicit ports are range-checked,
and the search visits each port of the range at most once.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address

from plugnet.core.errors import Conflict, Exhausted
from plugnet.core.messages import ALL_PORTS_ALLOCATED, PORT_ALREADY_ALLOCATED
from plugnet.ipam.ranges import DYNAMIC_PORTS, PortRange, check_port, check_proto
from plugnet.ipam.store import PortLease, Store

__all__ = ["PortAllocator"]


class PortAllocator:
    """Hands out host ports from a :class:`Store`.

    :param store: where leases and cursors live.
    :param dynamic: the dynamic range, or a function giving it (read when first
        needed, e.g. from the kernel's ``ip_local_port_range``).
    """

    def __init__(
        self, store: Store, dynamic: PortRange | Callable[[], PortRange] = DYNAMIC_PORTS
    ) -> None:
        self.store = store
        self._dynamic = dynamic

    @property
    def dynamic(self) -> PortRange:
        if callable(self._dynamic):
            self._dynamic = self._dynamic()
        return self._dynamic

    def request(self, owner: str, host_ip: IPv4Address, proto: str, port: int = 0) -> int:
        """Reserve ``port`` (0: the next dynamic one) on ``host_ip`` for ``owner``.

        :raises InvalidConfig: unknown protocol, or a port outside 1..65535.
        :raises Conflict: the port clashes with a lease (Docker's ``Bind for ...``).
        :raises Exhausted: no dynamic port is left (``all ports are allocated``).
        """
        proto = check_proto(proto)
        if port != 0:
            check_port(port)
        with self.store.transaction():
            if port == 0:
                port = self._next_dynamic(host_ip, proto)
            else:
                holder = self.store.port_holder(host_ip, proto, port)
                if holder is not None:
                    raise Conflict(_clash_message(host_ip, port, proto, holder))
            self.store.reserve_port(PortLease(proto, port, host_ip, owner))
            return port

    def _next_dynamic(self, host_ip: IPv4Address, proto: str) -> int:
        span = self.dynamic
        key = f"port:{host_ip}/{proto}"
        last = self.store.cursor(key)
        # After the cursor, then wrap: each port is looked at once at most.
        found = self.store.next_free_port(host_ip, proto, max(last + 1, span.first), span.last)
        if found is None and last >= span.first:
            found = self.store.next_free_port(host_ip, proto, span.first, min(last, span.last))
        if found is None:
            raise Exhausted(f"{ALL_PORTS_ALLOCATED}: {proto} {span} on {host_ip}")
        self.store.set_cursor(key, found)
        return found

    def release(self, owner: str, host_ip: IPv4Address, proto: str, port: int) -> None:
        """Free one port of ``owner``; a no-op if ``owner`` does not hold it."""
        with self.store.transaction():
            self.store.release_port(PortLease(proto, port, host_ip, owner))


def _clash_message(host_ip: IPv4Address, port: int, proto: str, holder: PortLease) -> str:
    message = PORT_ALREADY_ALLOCATED.format(ip=host_ip, port=port)
    if holder.host_ip != host_ip:
        return f"{message} ({proto} {holder.host_ip}:{port} is held by {holder.owner})"
    return f"{message} ({proto}, held by {holder.owner})"
