"""Links as elements of the ``links`` set: parent, child, protocol, child port.

``filter_forward`` looks the set up twice, once for the parent's packets to the
child's port and once (with the addresses and ports swapped) for the child's
replies: Docker 1.2's pair of ACCEPT rules (``--dport`` and ``--sport``).
"""

from __future__ import annotations

from plugnet.core.intents import LinkIntent
from plugnet.firewall.nftables.network import Element

__all__ = ["link_elements"]


def link_elements(link: LinkIntent) -> list[Element]:
    parent, child = str(link.parent_ip), str(link.child_ip)
    return [
        Element("links", (parent, child, port.proto, port.port), None, link.parent)
        for port in link.ports
    ]
