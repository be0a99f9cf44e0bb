"""The ``plugnet`` command.

``plugnet [--state-dir DIR] COMMAND [ARGS]``. ``init`` takes Docker 1.2's daemon
network flags (see :mod:`plugnet.core.flags`); the container commands call the
handler the driver registered under Docker's job name (``attach`` is
``allocate_interface``, ``publish`` is ``allocate_port``...).

Every error is one line ``plugnet: <message>`` on stderr and the exit code of
its category (:mod:`plugnet.core.errors`); usage errors exit 2; there is never a
traceback. Docker's log lines (``job.Logf``) go to stderr, results to stdout:
a table by default, JSON with ``--json``.

Imports are lazy: ``plugnet status`` and ``plugnet --help`` load neither pluggy,
stevedore, pyroute2 nor a firewall library.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from plugnet.core.cli_common import (
    COMMAND_HELP,
    PROG,
    CliExit,
    Command,
    Context,
    Parser,
    log,
    out,
    sub_parser,
)
from plugnet.core.errors import PlugnetError

__all__ = ["main"]


def _top_parser() -> Parser:
    commands = "\n".join(f"  {name:<10} {text}" for name, text in COMMAND_HELP.items())
    parser = Parser(
        prog=PROG,
        description="Container networking on a Linux host the way Docker 1.2's daemon does it, "
        "with every moving part a plugin.",
        epilog=f"commands:\n{commands}\n\nRun '{PROG} COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage=f"{PROG} [-h] [--version] [--state-dir DIR] COMMAND [ARGS...]",
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        help="state directory (default: $PLUGNET_STATE_DIR, else /var/lib/plugnet)",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("command", nargs="?", metavar="COMMAND", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


# -- init / status / plugins / teardown ------------------------------------------------------


def _cmd_init(args: list[str], ctx: Context) -> int:
    from plugnet.core import flags

    extra = (
        flags.FlagSpec(
            "dry_run", ("--dry-run",), "bool", "Print what would change; change nothing"
        ),
        flags.FlagSpec("json", ("--json",), "bool", "Print the result as JSON"),
    )
    parsed = flags.parse_daemon_flags(
        args,
        extra_specs=extra,
        firewall_backends=_entry_point_names("plugnet.firewall"),
        ipam_plugins=_entry_point_names("plugnet.ipam"),
    )
    for warning in parsed.warnings:
        log(warning)
    if parsed.help_requested:
        out(
            f"usage: {PROG} init [FLAGS]\n\n{COMMAND_HELP['init']}\n\nflags:\n"
            + flags.format_help((*flags.DAEMON_FLAGS, *extra))
        )
        return 0
    dry_run = bool(parsed.extras.get("dry_run", False))
    result = ctx.engine.init(parsed.config, dry_run=dry_run)
    if parsed.extras.get("json"):
        from plugnet.core.render import dump_json

        out(dump_json(result.to_json()))
        return 0
    _print_init(result.to_json())
    return 0


def _print_init(result: dict[str, Any]) -> None:
    verb = "would change" if result["dry_run"] else "changed"
    changes = result["changes"]
    if changes:
        out(f"plan ({len(changes)} change(s)):" if result["dry_run"] else "changes:")
        out("\n".join(f"  {line}" for line in changes))
    else:
        out(f"nothing {verb} on the host")
    firewall = result["firewall"]
    if result["mode"] == "none":
        out("mode none: networking is disabled")
    else:
        out(
            f"mode {result['mode']}: driver {result['driver']}, firewall backend "
            f"{firewall['name']} ({firewall['reason']})"
        )


def _entry_point_names(group: str) -> set[str]:
    from importlib.metadata import entry_points

    return {ep.name for ep in entry_points(group=group)}


def _cmd_status(args: list[str], ctx: Context) -> int:
    parser = sub_parser("status")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    opts = parser.parse_args(args)
    status = ctx.engine.status()
    if opts.json:
        from plugnet.core.render import dump_json

        out(dump_json(status))
        return 0
    from plugnet.core.render import key_values

    out(key_values(_status_rows(status)))
    return 0


def _status_rows(status: dict[str, Any]) -> list[tuple[str, Any]]:
    driver = status["driver"]
    source = f"{driver['distribution']} {driver['version']}".strip()
    rows: list[tuple[str, Any]] = [
        (
            "mode",
            status["mode"] + (" (networking is disabled)" if status["mode"] == "none" else ""),
        ),
        ("driver", f"{driver['name']} ({source})" if source else driver["name"]),
        ("firewall", f"{status['firewall']['name']} ({status['firewall']['reason']})"),
    ]
    if status.get("ipam"):
        rows.append(("allocator", status["ipam"]))
    for key in ("bridge", "subnet", "gateway", "mtu", "attachments"):
        if key in status:
            rows.append((key, status[key]))
    rows.append(("state dir", status["state_dir"]))
    return rows


def _cmd_plugins(args: list[str], ctx: Context) -> int:
    parser = sub_parser("plugins")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    opts = parser.parse_args(args)
    from plugnet.core.plugins import PluginHost

    records = PluginHost().probe_all()
    if opts.json:
        from plugnet.core.render import dump_json

        out(dump_json([r.to_json() for r in records]))
        return 0
    from plugnet.core.render import table

    rows = [
        (r.namespace, r.name, r.distribution, r.version, r.status, r.reason or "-") for r in records
    ]
    out(table(("NAMESPACE", "NAME", "DISTRIBUTION", "VERSION", "STATUS", "REASON"), rows))
    return 0


def _cmd_teardown(args: list[str], ctx: Context) -> int:
    sub_parser("teardown").parse_args(args)
    report = ctx.engine.teardown()
    for line in report.changes:
        out(line)
    return 0


COMMANDS: dict[str, Command] = {
    "init": _cmd_init,
    "status": _cmd_status,
    "plugins": _cmd_plugins,
    "teardown": _cmd_teardown,
}


def _commands() -> dict[str, Command]:
    from plugnet.core.cli_containers import CONTAINER_COMMANDS

    return {**COMMANDS, **CONTAINER_COMMANDS}


# -- entry point -----------------------------------------------------------------------------


def _run(argv: Sequence[str]) -> int:
    parser = _top_parser()
    opts = parser.parse_args(list(argv))
    if opts.version:
        from plugnet import __version__

        out(f"{PROG} {__version__}")
        return 0
    if opts.command is None:
        parser.print_help(sys.stderr)
        return 2
    command = _commands().get(opts.command)
    if command is None:
        parser.print_usage(sys.stderr)
        log(f"{PROG}: error: unknown command {opts.command!r} (see '{PROG} --help')")
        return 2
    return command(list(opts.args), Context(opts.state_dir))


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``plugnet`` command; return its exit code."""
    try:
        return _run(sys.argv[1:] if argv is None else argv)
    except CliExit as exc:
        return exc.code
    except PlugnetError as exc:
        log(f"{PROG}: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        log(f"{PROG}: interrupted")
        return 130
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        log(f"{PROG}: {exc.strerror or exc}{where}")
        return 1
    except Exception as exc:
        if os.environ.get("PLUGNET_DEBUG"):
            raise
        log(f"{PROG}: internal error: {type(exc).__name__}: {exc} (PLUGNET_DEBUG=1 shows more)")
        return 1
