"""Docker 1.2's user-visible messages, byte-exact.

Users grep logs and scripts match these strings, so they are kept as Docker
wrote them (``docker-1.2-networking.md`` §13). Each constant is a
``str.format`` template; the placeholders are named after what they hold.
"""

from __future__ import annotations

BRIDGE_AND_BIP = "You specified -b & --bip, mutually exclusive options. Please specify only one."

IPTABLES_AND_ICC = (
    "You specified --iptables=false with --icc=false. ICC uses iptables to function. "
    "Please set --icc or --iptables to true."
)

BRIDGE_IP_MISMATCH = (
    "bridge ip ({existing}) does not match existing bridge configuration {requested}"
)

NO_FREE_RANGE = (
    "Could not find a free IP address range for interface '{bridge}'. "
    "Please configure its address manually and run 'docker -b {bridge}'"
)

BRIDGE_NOT_FOUND = "bridge not found: {bridge}"

INTERFACE_NAME_TOO_LONG = "Interface name {name} too long"

NO_IP_ADDRESSES = "Interface {name} has no IP addresses"

MORE_THAN_ONE_IPV4 = "Interface {name} has more than 1 IPv4 address. Defaulting to using {address}"

UNABLE_TO_START_BRIDGE = "Unable to start network bridge: {error}"

UNABLE_TO_ADD_PRIVATE_NETWORK = "Unable to add private network: {error}"

IP_FORWARD_WARNING = "WARNING: unable to enable IPv4 forwarding: {error}"

HANDLER_EXISTS = "Can't overwrite handler for command {name}"

COMMAND_NOT_FOUND = "{name}: command not found"

NO_AVAILABLE_IPS = "no available ip addresses on network"

IP_ALREADY_ALLOCATED = "ip already allocated"

ALL_PORTS_ALLOCATED = "all ports are allocated"

UNKNOWN_PROTOCOL = "unknown protocol"

PORT_ALREADY_ALLOCATED = "Bind for {ip}:{port} failed: port is already allocated"

NO_NETWORK_INFO = "No network information to release for {container}"

UNSUPPORTED_ADDRESS_TYPE = "unsupported address type {proto}"

OVERLAPS_NAMESERVER = "requested network overlaps with nameserver"

OVERLAPS_NETWORK = "requested network overlaps with existing network"
