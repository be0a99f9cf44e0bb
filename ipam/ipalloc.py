"""Container address strategy: Docker's round-robin cursor, with range checks.

Why round-robin and not "lowest free": a container that stops and another that
starts would otherwise swap the same address at once, and peers (and the
bridge) would still hold the old container's MAC in their ARP caches for that
address (Docker issue #4827). Walking the cursor forward, and reusing a
released address only after the cursor wraps, leaves those entries time to
expire. Docker 1.2 kept the cursor in memory only; here it is stored with the
leases, so a restart continues where it stopped.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface

from plugnet.core.errors import Conflict, Exhausted
from plugnet.core.messages import IP_ALREADY_ALLOCATED, NO_AVAILABLE_IPS
from plugnet.ipam.ranges import AddressRange
from plugnet.ipam.store import Store

__all__ = ["IPAllocator"]


class IPAllocator:
    """Hands out container addresses of bridge networks from a :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def request(
        self, network: IPv4Interface, owner: str, requested: IPv4Address | None = None
    ) -> IPv4Address:
        """Reserve an address for ``owner``: ``requested`` or the next in Docker's order.

        :raises InvalidConfig: ``requested`` is outside the subnet, or is the
            network, broadcast or gateway address.
        :raises Conflict: ``requested`` is taken (``ip already allocated``), or
            ``owner`` already holds an address on this network.
        :raises Exhausted: no address is left (``no available ip addresses on network``).
        """
        span = AddressRange(network)
        position = None if requested is None else span.check_requested(requested)
        with self.store.transaction():
            held = self.store.ip_of(span.key, owner)
            if held is not None:
                raise Conflict(
                    f"{owner} already holds {span.address(held)} on {span.subnet}; "
                    "one container gets one address per network: release it first"
                )
            if position is None:
                position = self._next_position(span)
            elif self.store.ip_owner(span.key, position) is not None:
                raise Conflict(f"{IP_ALREADY_ALLOCATED}: {requested} on {span.subnet}")
            # A requested address does not move the cursor (Docker 1.2's did,
            # §14.5): the dynamic order stays the same whatever users pin.
            self.store.reserve_ip(span.key, position, owner)
            return span.address(position)

    def _next_position(self, span: AddressRange) -> int:
        key = f"ip:{span.key}"
        last = self.store.cursor(key)
        lo, hi, gateway = span.first_dynamic, span.last_dynamic, span.gateway_position
        # After the cursor first; then wrap to the start (round-robin, see module doc).
        found = self.store.next_free_ip(span.key, max(last + 1, lo), hi, gateway)
        if found is None and last >= lo:
            found = self.store.next_free_ip(span.key, lo, min(last, hi), gateway)
        if found is None:
            raise Exhausted(f"{NO_AVAILABLE_IPS}: {span.subnet} (gateway {span.network.ip})")
        self.store.set_cursor(key, found)
        return found

    def release(self, network: IPv4Interface, owner: str) -> None:
        """Free ``owner``'s address on ``network``; a no-op when it holds none."""
        with self.store.transaction():
            self.store.release_ip(AddressRange(network).key, owner)
