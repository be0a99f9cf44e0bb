"""The container commands: each calls the handler the driver registered under Docker's job name.

``attach`` is ``allocate_interface``, ``detach`` ``release_interface``,
``publish`` ``allocate_port``, ``link`` ``link``; ``unpublish``, ``unlink`` and
``firewall reapply`` are plugnet's inverse and maintenance jobs. Arguments are
checked before the engine resumes, so a bad one changes nothing.
"""

from __future__ import annotations

from typing import Any

from plugnet.core.cli_common import Command, Context, log, out, sub_parser
from plugnet.core.errors import InvalidConfig, Unavailable

__all__ = ["CONTAINER_COMMANDS"]


def _container(text: str, what: str = "container") -> str:
    if not text or any(ch.isspace() for ch in text):
        raise InvalidConfig(f"invalid {what} id {text!r}: empty or contains whitespace")
    return text


def _print_record(data: dict[str, Any], as_json: bool) -> None:
    from plugnet.core.render import dump_json, key_values

    out(dump_json(data) if as_json else key_values(data))


def _cmd_attach(args: list[str], ctx: Context) -> int:
    parser = sub_parser("attach")
    parser.add_argument("container")
    parser.add_argument("--netns", required=True, help="network namespace: a name or a path")
    parser.add_argument("--ifname", default="eth0", help="interface name in the container")
    parser.add_argument("--ip", help="ask for this address instead of the next free one")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    opts = parser.parse_args(args)
    from ipaddress import AddressValueError, IPv4Address

    from plugnet.core.flags import validate_interface_name
    from plugnet.core.intents import AttachRequest

    validate_interface_name(opts.ifname, "--ifname")
    requested = None
    if opts.ip is not None:
        try:
            requested = IPv4Address(opts.ip)
        except AddressValueError:
            raise InvalidConfig(
                f"invalid value {opts.ip!r} for --ip: not an IPv4 address"
            ) from None
    request = AttachRequest(_container(opts.container), opts.netns, opts.ifname, requested)
    attachment = ctx.engine.handler("allocate_interface")(request)
    _print_record(attachment.to_json(), opts.json)
    return 0


def _cmd_detach(args: list[str], ctx: Context) -> int:
    parser = sub_parser("detach")
    parser.add_argument("container")
    opts = parser.parse_args(args)
    from plugnet.core import messages

    container = _container(opts.container)
    if not ctx.engine.handler("release_interface")(container):
        log(messages.NO_NETWORK_INFO.format(container=container))
    return 0


def _cmd_publish(args: list[str], ctx: Context) -> int:
    parser = sub_parser("publish")
    parser.add_argument("container")
    parser.add_argument("spec", help="[hostIP:][hostPort:]containerPort[/tcp|udp]")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    opts = parser.parse_args(args)
    from plugnet.core.portspec import parse_port_spec

    spec = parse_port_spec(opts.spec)
    binding = ctx.engine.handler("allocate_port")(_container(opts.container), spec)
    if opts.json:
        _print_record(binding.to_json(), True)
    else:
        out(f"{binding.host_ip}:{binding.host_port} -> {binding.container_port}/{binding.proto}")
    return 0


def _cmd_unpublish(args: list[str], ctx: Context) -> int:
    parser = sub_parser("unpublish")
    parser.add_argument("container")
    parser.add_argument("spec", help="the spec given to publish")
    opts = parser.parse_args(args)
    from plugnet.core.portspec import parse_port_spec

    container = _container(opts.container)
    if not ctx.engine.handler("release_port")(container, parse_port_spec(opts.spec)):
        log(f"nothing published for {container} as {opts.spec}")
    return 0


def _cmd_link(args: list[str], ctx: Context) -> int:
    parser = sub_parser("link")
    parser.add_argument("parent")
    parser.add_argument("child")
    parser.add_argument(
        "--port", action="append", required=True, help="a port of CHILD, e.g. 5000/tcp"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    opts = parser.parse_args(args)
    from plugnet.core.portspec import parse_port_proto

    ports = tuple(parse_port_proto(p) for p in opts.port)
    parent, child = _container(opts.parent, "parent"), _container(opts.child, "child")
    link = ctx.engine.handler("link")(parent, child, ports)
    if opts.json:
        _print_record(link.to_json(), True)
    else:
        shown = ", ".join(str(p) for p in link.ports)
        out(f"{link.parent} ({link.parent_ip}) -> {link.child} ({link.child_ip}): {shown}")
    return 0


def _cmd_unlink(args: list[str], ctx: Context) -> int:
    parser = sub_parser("unlink")
    parser.add_argument("parent")
    parser.add_argument("child")
    opts = parser.parse_args(args)
    parent, child = _container(opts.parent, "parent"), _container(opts.child, "child")
    if not ctx.engine.handler("unlink")(parent, child):
        log(f"no link from {parent} to {child}")
    return 0


def _cmd_firewall(args: list[str], ctx: Context) -> int:
    parser = sub_parser("firewall")
    parser.add_argument("action", choices=["reapply"])
    parser.parse_args(args)
    ctx.engine.handler("firewall_reapply")()
    out("firewall rules reapplied")
    return 0


def _cmd_demo(args: list[str], ctx: Context) -> int:
    import importlib

    try:
        demo = importlib.import_module("plugnet.drivers.bridge.demo")
    except ImportError as exc:
        raise Unavailable(f"the bridge demo is not installed: {exc}") from None
    return int(demo.main(args))


CONTAINER_COMMANDS: dict[str, Command] = {
    "attach": _cmd_attach,
    "detach": _cmd_detach,
    "publish": _cmd_publish,
    "unpublish": _cmd_unpublish,
    "link": _cmd_link,
    "unlink": _cmd_unlink,
    "firewall": _cmd_firewall,
    "demo": _cmd_demo,
}
