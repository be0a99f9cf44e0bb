"""Parsing Docker's ``-p`` syntax and ``port/proto`` values.

``[hostIP:][hostPort:]containerPort[/tcp|udp]``: an empty host port means a
dynamic one. Unlike Docker 1.2, a bad host address or port is an error, never
silently a dynamic port (spec §14 items 8 and 13).
"""

from __future__ import annotations

from ipaddress import AddressValueError, IPv4Address

from plugnet.core.errors import InvalidConfig
from plugnet.core.intents import PortProto, PortSpec, Proto

__all__ = ["parse_port", "parse_port_proto", "parse_port_spec"]

PROTOCOLS: tuple[Proto, ...] = ("tcp", "udp")


def parse_port(text: str, what: str, *, allow_empty: bool = False) -> int:
    """A port number 1-65535 (0 only for an empty, dynamic host port)."""
    if text == "" and allow_empty:
        return 0
    if not text.isdigit():
        raise InvalidConfig(f"invalid {what} {text!r}: not a port number")
    port = int(text)
    if not 1 <= port <= 65535:
        raise InvalidConfig(f"invalid {what} {text!r}: must be between 1 and 65535")
    return port


def _parse_proto(text: str, whole: str) -> Proto:
    for proto in PROTOCOLS:
        if text == proto:
            return proto
    raise InvalidConfig(f"invalid port spec {whole!r}: unsupported protocol {text!r} (tcp or udp)")


def parse_port_proto(text: str) -> PortProto:
    """``5000`` or ``5000/tcp`` or ``53/udp``."""
    port_text, _, proto_text = text.partition("/")
    proto = _parse_proto(proto_text, text) if proto_text else "tcp"
    return PortProto(parse_port(port_text, "port"), proto)


def parse_port_spec(text: str) -> PortSpec:
    """Parse one ``-p`` value.

    >>> str(parse_port_spec("127.0.0.1:8080:80/udp"))
    '127.0.0.1:8080:80/udp'
    """
    body, _, proto_text = text.partition("/")
    proto = _parse_proto(proto_text, text) if proto_text else "tcp"
    parts = body.split(":")
    if len(parts) > 3 or not body:
        raise InvalidConfig(
            f"invalid port spec {text!r}: expected [hostIP:][hostPort:]containerPort[/tcp|udp]"
        )
    host_ip: IPv4Address | None = None
    host_port = 0
    if len(parts) == 3:
        try:
            host_ip = IPv4Address(parts[0])
        except AddressValueError:
            raise InvalidConfig(f"invalid port spec {text!r}: bad host IP {parts[0]!r}") from None
        host_port = parse_port(parts[1], "host port", allow_empty=True)
    elif len(parts) == 2:
        host_port = parse_port(parts[0], "host port", allow_empty=True)
    container_port = parse_port(parts[-1], "container port")
    return PortSpec(
        container_port=container_port, proto=proto, host_ip=host_ip, host_port=host_port
    )
