"""plugnet-routed: an example network driver for plugnet, without a bridge.

Each container gets a veth pair: the container side holds the container's
address as a /32 and a default route via 169.254.1.1 on-link; the host side
holds 169.254.1.1 (so it answers the container's ARP for its gateway) and the
host routes the container's /32 to it. Containers reach each other through the
host's routing table, as Calico does.
"""
