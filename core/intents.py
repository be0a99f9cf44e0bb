"""The records that cross the plugin contract: configuration, requests and intents.

Every hook argument and result that carries data is one of these frozen
dataclasses. Backends receive *intent* (what the network should look like), never
strings to parse, and render it into their own rule syntax. The same records are
stored as JSON in the state database, which is what makes ``reapply`` and crash
reconciliation possible: the intent is the truth, the rules are derived from it.

Nothing here imports anything heavier than :mod:`ipaddress`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any, Literal

__all__ = [
    "AttachRequest",
    "Attachment",
    "DaemonConfig",
    "IPRequest",
    "LinkIntent",
    "NetworkIntent",
    "PortBinding",
    "PortForward",
    "PortProto",
    "PortRequest",
    "PortSpec",
    "Proto",
    "Route",
    "SubnetChoice",
    "SubnetRequest",
]

Proto = Literal["tcp", "udp"]

DEFAULT_BRIDGE = "docker0"
DISABLE_NETWORK_BRIDGE = "none"
ANY_IPV4 = IPv4Address("0.0.0.0")


@dataclass(frozen=True, slots=True)
class DaemonConfig:
    """The daemon's network flags after parsing and validation.

    Field names follow Docker 1.2's ``daemon/config.go``; the CLI flags that set
    them are given in each comment.
    """

    #: ``-b/--bridge``: an existing bridge to use; ``""`` means docker0, created
    #: if missing; ``"none"`` disables networking.
    bridge: str = ""
    #: ``--bip``: the bridge's address in CIDR form (host address, not network).
    bip: IPv4Interface | None = None
    #: ``--iptables``: let plugnet write firewall rules.
    iptables: bool = True
    #: ``--ip-forward``: set net.ipv4.ip_forward=1.
    ip_forward: bool = True
    #: ``--icc``: let containers on the bridge talk to each other.
    icc: bool = True
    #: ``--ip``: the default host address of published ports.
    default_ip: IPv4Address = ANY_IPV4
    #: ``--mtu``: 0 means the default-route interface's MTU, else 1500.
    mtu: int = 0
    #: ``--firewall-backend``: auto, iptables, nftables, none or a third party's name.
    firewall_backend: str = "auto"
    #: ``--ipam``: the allocator plugin's entry-point name.
    ipam: str = "default"
    #: ``--driver``: the network driver for an enabled network (a
    #: ``plugnet.drivers`` entry point); ``-b none`` still disables networking.
    driver: str = "bridge"
    #: ``--subnet-pool``: candidate subnets for a new bridge instead of Docker's
    #: 12 (CIDRs, or ``base=CIDR,size=N``, separated by ``;`` or spaces).
    subnet_pools: str = ""
    #: ``--port-range``: the dynamic host-port range, ``FIRST-LAST`` or ``kernel``.
    port_range: str = ""

    @property
    def mode(self) -> str:
        """``none`` for ``-b none`` (Docker's DisableNetwork), else the driver's name."""
        return "none" if self.bridge == DISABLE_NETWORK_BRIDGE else self.driver

    @property
    def bridge_name(self) -> str:
        """The bridge the driver uses: ``-b`` if given, else docker0."""
        return self.bridge or DEFAULT_BRIDGE

    @property
    def uses_default_bridge(self) -> bool:
        """True when no ``-b`` was given: only then may the bridge be created."""
        return self.bridge == ""

    def to_json(self) -> dict[str, Any]:
        return {
            "bridge": self.bridge,
            "bip": str(self.bip) if self.bip else None,
            "iptables": self.iptables,
            "ip_forward": self.ip_forward,
            "icc": self.icc,
            "default_ip": str(self.default_ip),
            "mtu": self.mtu,
            "firewall_backend": self.firewall_backend,
            "ipam": self.ipam,
            "driver": self.driver,
            "subnet_pools": self.subnet_pools,
            "port_range": self.port_range,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DaemonConfig:
        return cls(
            bridge=data["bridge"],
            bip=IPv4Interface(data["bip"]) if data.get("bip") else None,
            iptables=data["iptables"],
            ip_forward=data["ip_forward"],
            icc=data["icc"],
            default_ip=IPv4Address(data["default_ip"]),
            mtu=data["mtu"],
            firewall_backend=data["firewall_backend"],
            ipam=data.get("ipam", "default"),
            driver=data.get("driver", "bridge"),
            subnet_pools=data.get("subnet_pools", ""),
            port_range=data.get("port_range", ""),
        )


@dataclass(frozen=True, slots=True)
class NetworkIntent:
    """What a firewall backend must make true for one bridge network.

    ``address`` holds the bridge's own address with its prefix, as Docker's
    ``bridgeNetwork`` does (e.g. ``172.17.42.1/16``); ``subnet`` is derived.
    """

    bridge: str
    address: IPv4Interface
    #: Containers on the bridge may talk to each other.
    icc: bool = True
    #: Traffic from the subnet leaving through another interface is masqueraded.
    masquerade: bool = True
    #: Published ports are reachable on 127.0.0.1 and from containers through
    #: the host's addresses (DNAT + route_localnet + hairpin masquerade).
    local_forwarding: bool = True

    @property
    def subnet(self) -> IPv4Network:
        return self.address.network

    @property
    def gateway(self) -> IPv4Address:
        return self.address.ip

    def to_json(self) -> dict[str, Any]:
        return {
            "bridge": self.bridge,
            "address": str(self.address),
            "icc": self.icc,
            "masquerade": self.masquerade,
            "local_forwarding": self.local_forwarding,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NetworkIntent:
        return cls(
            bridge=data["bridge"],
            address=IPv4Interface(data["address"]),
            icc=data["icc"],
            masquerade=data["masquerade"],
            local_forwarding=data.get("local_forwarding", True),
        )


@dataclass(frozen=True, slots=True, order=True)
class PortProto:
    """A container port and its protocol, as ``5000/tcp``."""

    port: int
    proto: Proto = "tcp"

    def __str__(self) -> str:
        return f"{self.port}/{self.proto}"


@dataclass(frozen=True, slots=True)
class PortSpec:
    """A parsed ``-p`` value: ``[hostIP:][hostPort:]containerPort[/tcp|udp]``.

    ``host_ip`` None means the daemon's ``--ip``; ``host_port`` 0 means dynamic.
    """

    container_port: int
    proto: Proto = "tcp"
    host_ip: IPv4Address | None = None
    host_port: int = 0

    def __str__(self) -> str:
        parts = []
        if self.host_ip is not None:
            parts.append(str(self.host_ip))
        if self.host_port or self.host_ip is not None:
            parts.append(str(self.host_port) if self.host_port else "")
        parts.append(f"{self.container_port}/{self.proto}")
        return ":".join(parts)


@dataclass(frozen=True, slots=True)
class PortForward:
    """One published port: host ``host_ip:host_port`` goes to the container.

    ``host_ip`` 0.0.0.0 means every local address of the host. ``container``
    is the owner's id; backends tag the rules with it so they can tell their
    rules apart and remove exactly the ones of one container.
    """

    container: str
    proto: Proto
    host_ip: IPv4Address
    host_port: int
    container_ip: IPv4Address
    container_port: int

    def to_json(self) -> dict[str, Any]:
        return {
            "container": self.container,
            "proto": self.proto,
            "host_ip": str(self.host_ip),
            "host_port": self.host_port,
            "container_ip": str(self.container_ip),
            "container_port": self.container_port,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PortForward:
        return cls(
            container=data["container"],
            proto=data["proto"],
            host_ip=IPv4Address(data["host_ip"]),
            host_port=data["host_port"],
            container_ip=IPv4Address(data["container_ip"]),
            container_port=data["container_port"],
        )


@dataclass(frozen=True, slots=True)
class LinkIntent:
    """The parent may reach the child on exactly ``ports`` (Docker's ``--link``)."""

    parent: str
    child: str
    parent_ip: IPv4Address
    child_ip: IPv4Address
    ports: tuple[PortProto, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "parent": self.parent,
            "child": self.child,
            "parent_ip": str(self.parent_ip),
            "child_ip": str(self.child_ip),
            "ports": [[p.port, p.proto] for p in self.ports],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinkIntent:
        return cls(
            parent=data["parent"],
            child=data["child"],
            parent_ip=IPv4Address(data["parent_ip"]),
            child_ip=IPv4Address(data["child_ip"]),
            ports=tuple(PortProto(port, proto) for port, proto in data["ports"]),
        )


@dataclass(frozen=True, slots=True)
class Route:
    """A route of the main table, as the subnet allocator needs it."""

    destination: IPv4Network
    device: str = ""


@dataclass(frozen=True, slots=True)
class SubnetRequest:
    """Ask the subnet allocator for the address of a new bridge.

    The driver gathers the host facts (routes of the main table without the
    default route, the text of resolv.conf) so the allocator stays pure.
    """

    bridge: str
    routes: tuple[Route, ...]
    resolv_conf: str


@dataclass(frozen=True, slots=True)
class SubnetChoice:
    """The allocator's answer: the bridge address (e.g. ``172.17.42.1/16``)."""

    address: IPv4Interface
    #: Human-readable lines on what was skipped and why, for logs and errors.
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IPRequest:
    """Ask for a container address on ``network`` for ``owner``.

    ``network`` is the bridge address with prefix (the gateway is never handed
    out). ``requested`` asks for one address; it is range-checked.
    """

    network: IPv4Interface
    owner: str
    requested: IPv4Address | None = None


@dataclass(frozen=True, slots=True)
class PortRequest:
    """Ask for a host port. ``port`` 0 asks for a dynamic one."""

    owner: str
    host_ip: IPv4Address
    proto: Proto
    port: int = 0


@dataclass(frozen=True, slots=True)
class AttachRequest:
    """``allocate_interface``: give a container an interface on the network."""

    container: str
    netns: str
    ifname: str = "eth0"
    requested_ip: IPv4Address | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """What ``allocate_interface`` returns: Docker's fields plus the MAC."""

    container: str
    ip: IPv4Address
    prefixlen: int
    mac: str
    gateway: IPv4Address
    bridge: str
    ifname: str
    host_ifname: str
    netns: str
    mtu: int
    ports: tuple[PortBinding, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["ip"] = str(self.ip)
        data["gateway"] = str(self.gateway)
        data["ports"] = [p.to_json() for p in self.ports]
        return data


@dataclass(frozen=True, slots=True)
class PortBinding:
    """What ``allocate_port`` returns: Docker's ``HostIP`` and ``HostPort``."""

    container: str
    proto: Proto
    host_ip: IPv4Address
    host_port: int
    container_port: int

    def to_json(self) -> dict[str, Any]:
        return {
            "container": self.container,
            "proto": self.proto,
            "host_ip": str(self.host_ip),
            "host_port": self.host_port,
            "container_port": self.container_port,
        }
