"""Published ports as elements of the two DNAT maps (container address, container port).

A forward is two elements with the same key (``proto . port`` for a port on
every address, ``address . proto . port`` for one address): one map gives the
container address, the other the container port. The forward accept and the
hairpin masquerade are base rules keyed on ``ct status dnat``, so they need no
per-port element and two host ports forwarded to one container port stay
independent. :func:`port_elements` describes the elements once; add and delete
both use it.
"""

from __future__ import annotations

from plugnet.core.intents import ANY_IPV4, NetworkIntent, PortForward
from plugnet.firewall.nftables.network import Element

__all__ = ["port_elements"]


def port_elements(network: NetworkIntent, forward: PortForward) -> list[Element]:
    owner = forward.container
    container_ip = str(forward.container_ip)
    if forward.host_ip == ANY_IPV4:
        key: tuple[str | int, ...] = (forward.proto, forward.host_port)
        addr_map, port_map = "hostport_any_addr", "hostport_any_port"
    else:
        key = (str(forward.host_ip), forward.proto, forward.host_port)
        addr_map, port_map = "hostport_ip_addr", "hostport_ip_port"
    return [
        Element(addr_map, key, container_ip, owner),
        Element(port_map, key, forward.container_port),
    ]
