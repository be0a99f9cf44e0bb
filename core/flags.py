"""The daemon's network flags, parsed and validated the way Docker 1.2 does it.

Docker 1.2 parses its flags with ``mflag`` (Go's ``flag`` with several names per
flag), so plugnet accepts the same spellings: ``--icc=false``, ``-b none``,
``-b=br0``, ``--bip=10.0.42.1/16``, a bare ``--icc`` (true), and the
deprecated single-dash aliases (``-iptables``, ``-icc``...) with mflag's
warning line. Plus, for people used to GNU tools, ``--icc false``.

Validation keeps Docker's order, because users see the *first* error:

1. value parse errors of typed flags, in argument order (Go fails inside
   ``flag.Parse``): booleans, ``--ip``, ``--mtu``;
2. ``-b`` together with ``--bip`` (also ``-b none --bip=...``);
3. ``--iptables=false`` together with ``--icc=false`` (also with
   ``--firewall-backend none``);
4. what Docker 1.2 only found out later, or never: the ``--bip`` CIDR, the
   ``--ip`` address, the ``--mtu`` range, the bridge name, the plugin names.

Every error is an :class:`~plugnet.core.errors.InvalidConfig` with one line that
names the flag and the value. Nothing here touches the kernel or the environment.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from ipaddress import AddressValueError, IPv4Address, IPv4Interface, NetmaskValueError
from typing import Literal

from plugnet.core import messages
from plugnet.core.errors import InvalidConfig
from plugnet.core.intents import ANY_IPV4, DISABLE_NETWORK_BRIDGE, DaemonConfig

__all__ = [
    "DAEMON_FLAGS",
    "FlagSpec",
    "ParsedFlags",
    "format_help",
    "parse_bool",
    "parse_daemon_flags",
    "validate_interface_name",
]

FlagKind = Literal["bool", "string", "ip", "int"]

#: Go's ``strconv.ParseBool``: exactly these spellings, nothing else.
_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})

#: Linux's IFNAMSIZ is 16 including the terminating NUL.
IFNAMSIZ = 16
MIN_MTU = 68
MAX_MTU = 65535
#: An entry-point name: what a plugin can be registered under.
_PLUGIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


@dataclass(frozen=True, slots=True)
class FlagSpec:
    """One flag: its names, the config field it sets, and how its value is read.

    ``deprecated`` holds Docker's single-dash aliases (mflag's ``#name``): they
    work and print mflag's deprecation warning.
    """

    dest: str
    names: tuple[str, ...]
    kind: FlagKind
    help: str
    metavar: str = ""
    deprecated: tuple[str, ...] = ()


DAEMON_FLAGS: tuple[FlagSpec, ...] = (
    FlagSpec(
        "bridge",
        ("-b", "--bridge"),
        "string",
        "Attach containers to a pre-existing network bridge; use 'none' to disable "
        "container networking",
        "NAME",
    ),
    FlagSpec(
        "bip",
        ("--bip",),
        "string",
        "Use this CIDR notation address for the network bridge's IP, not compatible with -b",
        "CIDR",
        ("-bip",),
    ),
    FlagSpec(
        "iptables",
        ("--iptables",),
        "bool",
        "Enable plugnet's addition of firewall rules (default true)",
        deprecated=("-iptables",),
    ),
    FlagSpec(
        "ip_forward",
        ("--ip-forward",),
        "bool",
        "Enable net.ipv4.ip_forward (default true)",
        deprecated=("-ip-forward",),
    ),
    FlagSpec(
        "icc",
        ("--icc",),
        "bool",
        "Enable inter-container communication (default true)",
        deprecated=("-icc",),
    ),
    FlagSpec(
        "default_ip",
        ("--ip",),
        "ip",
        "Default IP address to use when binding container ports (default 0.0.0.0)",
        "IP",
        ("-ip",),
    ),
    FlagSpec(
        "mtu",
        ("--mtu",),
        "int",
        "Set the containers' network MTU; 0 means the default route's interface MTU, "
        "else 1500 (default 0)",
        "BYTES",
        ("-mtu",),
    ),
    FlagSpec(
        "firewall_backend",
        ("--firewall-backend",),
        "string",
        "Firewall backend: auto, iptables, nftables, none, or an installed plugin's name "
        "(default auto)",
        "NAME",
    ),
    FlagSpec(
        "ipam",
        ("--ipam",),
        "string",
        "Allocator plugin for subnets, addresses and ports (default 'default')",
        "NAME",
    ),
    FlagSpec(
        "driver",
        ("--driver",),
        "string",
        "Network driver plugin for an enabled network (default 'bridge'; -b none still "
        "disables networking)",
        "NAME",
    ),
    FlagSpec(
        "subnet_pools",
        ("--subnet-pool",),
        "string",
        "Candidate subnets for a new bridge instead of Docker's 12: CIDRs or "
        "'base=CIDR,size=N', separated by ';' or spaces",
        "POOLS",
    ),
    FlagSpec(
        "port_range",
        ("--port-range",),
        "string",
        "Dynamic host-port range, FIRST-LAST or 'kernel' (default 49153-65535)",
        "RANGE",
    ),
)

FlagValue = bool | str | int | IPv4Address


@dataclass(frozen=True, slots=True)
class ParsedFlags:
    """The result of parsing: the validated config, the extra (non-daemon) flags
    the caller asked for, and mflag's deprecation warnings to print."""

    config: DaemonConfig
    extras: dict[str, FlagValue] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    help_requested: bool = False


def parse_bool(text: str, flag: str) -> bool:
    """Go's ``strconv.ParseBool``; anything else is an error naming ``flag``."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidConfig(
        f"invalid boolean value {text!r} for {flag}: use true or false (or 1, 0, t, f)"
    )


def _parse_ip(text: str, flag: str) -> IPv4Address:
    try:
        return IPv4Address(text)
    except AddressValueError:
        raise InvalidConfig(f"invalid value {text!r} for {flag}: not an IPv4 address") from None


def _parse_int(text: str, flag: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise InvalidConfig(f"invalid value {text!r} for {flag}: not an integer")
    return int(text)


def _convert(spec: FlagSpec, text: str, flag: str) -> FlagValue:
    if spec.kind == "bool":
        return parse_bool(text, flag)
    if spec.kind == "ip":
        return _parse_ip(text, flag)
    if spec.kind == "int":
        return _parse_int(text, flag)
    return text


def _trim_quotes(text: str) -> str:
    """mflag strips one pair of outer quotes from ``-flag="value"``."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


class _Scanner:
    """Walks argv the way mflag does, collecting typed values in argument order."""

    def __init__(self, specs: Sequence[FlagSpec]) -> None:
        self.by_name: dict[str, FlagSpec] = {}
        for spec in specs:
            for name in (*spec.names, *spec.deprecated):
                self.by_name[name] = spec
        self.values: dict[str, FlagValue] = {}
        self.warnings: list[str] = []
        self.help = False

    def scan(self, argv: Sequence[str]) -> None:
        args = list(argv)
        while args:
            arg = args.pop(0)
            if arg in ("-h", "--help", "-help"):
                self.help = True
                continue
            if not arg.startswith("-") or arg in ("-", "--"):
                raise InvalidConfig(f"unexpected argument {arg!r}: this command takes only flags")
            name, has_value, value = arg.partition("=")
            if name not in self.by_name:
                raise InvalidConfig(f"flag provided but not defined: {name}")
            spec = self.by_name[name]
            value = _trim_quotes(value) if has_value else self._value_from_next(spec, name, args)
            self.values[spec.dest] = _convert(spec, value, name)
            if name in spec.deprecated:
                self.warnings.append(
                    f"Warning: '{name}' is deprecated, it will be replaced by "
                    f"'{spec.names[-1]}' soon. See usage."
                )

    def _value_from_next(self, spec: FlagSpec, name: str, args: list[str]) -> str:
        nxt = args[0] if args else None
        if spec.kind == "bool":
            # Bare `--icc` is true; `--icc false` takes the next word when it is
            # no flag (Go would leave it as an argument; plugnet has none).
            if nxt is None or nxt.startswith("-"):
                return "true"
            return args.pop(0)
        if nxt is None or nxt.partition("=")[0] in self.by_name:
            raise InvalidConfig(f"flag needs an argument: {name}")
        return args.pop(0)


def parse_daemon_flags(
    argv: Sequence[str],
    *,
    extra_specs: Sequence[FlagSpec] = (),
    firewall_backends: Collection[str] | None = None,
    ipam_plugins: Collection[str] | None = None,
) -> ParsedFlags:
    """Parse and validate the daemon flags in ``argv`` (without the command name).

    :param extra_specs: flags of the calling command (e.g. ``--dry-run``),
        returned in :attr:`ParsedFlags.extras` by ``dest``.
    :param firewall_backends: installed backend names; when given, an unknown
        ``--firewall-backend`` is refused with the list.
    :param ipam_plugins: installed allocator names, likewise for ``--ipam``.
    :raises InvalidConfig: the first problem, in Docker's order.
    """
    scanner = _Scanner((*DAEMON_FLAGS, *extra_specs))
    scanner.scan(argv)
    values = scanner.values
    extras = {spec.dest: values[spec.dest] for spec in extra_specs if spec.dest in values}
    warnings = tuple(scanner.warnings)
    if scanner.help:
        return ParsedFlags(DaemonConfig(), extras, warnings, help_requested=True)
    _check_exclusions(values)
    config = _build_config(values)
    if "bridge" in values and config.bridge != DISABLE_NETWORK_BRIDGE:
        validate_interface_name(config.bridge, "-b/--bridge")
    _check_plugin_name(
        config.firewall_backend,
        "--firewall-backend",
        None if firewall_backends is None else {"auto", *firewall_backends},
    )
    _check_plugin_name(config.ipam, "--ipam", ipam_plugins)
    _check_plugin_name(config.driver, "--driver", None)
    return ParsedFlags(config, extras, warnings)


def _check_exclusions(values: dict[str, FlagValue]) -> None:
    """Docker's steps 2 and 3, on the raw values (so ``-b none --bip=x`` fires too)."""
    if values.get("bridge", "") != "" and values.get("bip", "") != "":
        raise InvalidConfig(messages.BRIDGE_AND_BIP)
    backend_off = values.get("iptables", True) is False or values.get("firewall_backend") == "none"
    if values.get("icc", True) is False and backend_off:
        raise InvalidConfig(messages.IPTABLES_AND_ICC)


def _build_config(values: dict[str, FlagValue]) -> DaemonConfig:
    """Check each value on its own (``--bip``, ``--ip``, ``--mtu``) and build the config."""
    bip_text = str(values.get("bip", ""))
    default_ip = values.get("default_ip", ANY_IPV4)
    assert isinstance(default_ip, IPv4Address)
    mtu = int(values.get("mtu", 0))
    config = DaemonConfig(
        bridge=str(values.get("bridge", "")),
        bip=parse_bip(bip_text) if bip_text else None,
        iptables=bool(values.get("iptables", True)),
        ip_forward=bool(values.get("ip_forward", True)),
        icc=bool(values.get("icc", True)),
        default_ip=default_ip,
        mtu=mtu,
        firewall_backend=str(values.get("firewall_backend", "auto")),
        ipam=str(values.get("ipam", "default")),
        driver=str(values.get("driver", "bridge")),
        subnet_pools=str(values.get("subnet_pools", "")),
        port_range=str(values.get("port_range", "")),
    )
    _check_default_ip(config.default_ip)
    _check_mtu(config.mtu)
    return config


def parse_bip(text: str) -> IPv4Interface:
    """``--bip``: a host address with prefix, usable as a bridge's address."""
    flag = "--bip"
    if "/" not in text:
        raise InvalidConfig(
            f"invalid value {text!r} for {flag}: no prefix length; give CIDR notation "
            f"such as {text or '172.17.42.1'}/16"
        )
    try:
        address = IPv4Interface(text)
    except (AddressValueError, NetmaskValueError, ValueError):
        raise InvalidConfig(
            f"invalid value {text!r} for {flag}: not an IPv4 address in CIDR notation"
        ) from None
    network = address.network
    if network.prefixlen > 30:
        raise InvalidConfig(
            f"invalid value {text!r} for {flag}: a /{network.prefixlen} leaves no address "
            "for containers (use /30 or shorter)"
        )
    if address.ip == network.network_address:
        raise InvalidConfig(
            f"invalid value {text!r} for {flag}: {address.ip} is the network address of "
            f"{network}; give a host address such as {network.network_address + 1}/"
            f"{network.prefixlen}"
        )
    if address.ip == network.broadcast_address:
        raise InvalidConfig(
            f"invalid value {text!r} for {flag}: {address.ip} is the broadcast address of {network}"
        )
    if address.ip.is_loopback or address.ip.is_multicast or address.ip.is_unspecified:
        raise InvalidConfig(
            f"invalid value {text!r} for {flag}: {address.ip} cannot be a bridge address "
            "(loopback, multicast or unspecified)"
        )
    return address


def _check_default_ip(ip: IPv4Address) -> None:
    if ip.is_multicast or ip == IPv4Address("255.255.255.255"):
        raise InvalidConfig(
            f"invalid value {str(ip)!r} for --ip: not a unicast address to bind ports on"
        )


def _check_mtu(mtu: int) -> None:
    if mtu != 0 and not MIN_MTU <= mtu <= MAX_MTU:
        raise InvalidConfig(
            f"invalid value {str(mtu)!r} for --mtu: must be 0 (automatic) or between "
            f"{MIN_MTU} and {MAX_MTU}"
        )


def validate_interface_name(name: str, flag: str) -> None:
    """Refuse what the kernel's ``dev_valid_name()`` refuses.

    Too long gets Docker's own message (``Interface name %s too long``).
    """
    if len(name.encode()) >= IFNAMSIZ:
        raise InvalidConfig(messages.INTERFACE_NAME_TOO_LONG.format(name=name))
    if name == "":
        raise InvalidConfig(f"invalid value '' for {flag}: empty interface name")
    if name in (".", ".."):
        raise InvalidConfig(f"invalid value {name!r} for {flag}: not an interface name")
    bad = sorted({ch for ch in name if ch in "/:" or ch.isspace()})
    if bad:
        shown = ", ".join(repr(ch) for ch in bad)
        raise InvalidConfig(
            f"invalid value {name!r} for {flag}: interface names cannot contain {shown}"
        )


def _check_plugin_name(name: str, flag: str, installed: Collection[str] | None) -> None:
    if not _PLUGIN_NAME.match(name):
        raise InvalidConfig(
            f"invalid value {name!r} for {flag}: not a plugin name "
            "(letters, digits, '.', '_' and '-')"
        )
    if installed is not None and name not in installed:
        known = ", ".join(sorted(installed)) or "none"
        raise InvalidConfig(f"invalid value {name!r} for {flag}: no such plugin (known: {known})")


def format_help(specs: Sequence[FlagSpec]) -> str:
    """The flag list for ``--help``, one flag per entry, Docker's wording."""
    lines = []
    for spec in specs:
        names = ", ".join(spec.names)
        if spec.metavar:
            names += f" {spec.metavar}"
        lines.append(f"  {names}")
        lines.append(f"      {spec.help}")
    return "\n".join(lines)
