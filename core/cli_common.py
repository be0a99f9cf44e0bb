"""What every ``plugnet`` command shares: the argument parser, output, the context.

Split from :mod:`plugnet.core.cli` so the command modules stay small; nothing
here imports more than argparse.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plugnet.core.engine import Engine

__all__ = [
    "COMMAND_HELP",
    "PROG",
    "CliExit",
    "Command",
    "Context",
    "Parser",
    "log",
    "out",
    "sub_parser",
]

PROG = "plugnet"

COMMAND_HELP: dict[str, str] = {
    "init": "set the host's container network up (Docker's daemon network flags)",
    "status": "show the mode, driver, firewall backend (and why), bridge and subnet",
    "plugins": "list every installed plugin: namespace, name, distribution, loaded or why not",
    "teardown": "remove everything init set up, and the state",
    "attach": "give a container (a network namespace) an interface on the bridge",
    "detach": "remove a container's interface, ports and address",
    "publish": "publish a container port on the host (Docker's -p syntax)",
    "unpublish": "remove a published port",
    "link": "let PARENT reach CHILD on the given ports (Docker's --link)",
    "unlink": "remove a link",
    "firewall": "firewall maintenance: 'firewall reapply' restores plugnet's rules",
    "demo": "run the bridge demo (two containers, echo, a published port)",
}


class CliExit(Exception):
    """Leave with a code after output was already written (e.g. argparse usage errors)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so ``main`` returns its code."""

    def exit(self, status: int = 0, message: str | None = None) -> Any:
        if message:
            sys.stderr.write(message)
        raise CliExit(status)

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise CliExit(2)


def sub_parser(command: str, **kwargs: Any) -> Parser:
    return Parser(prog=f"{PROG} {command}", description=COMMAND_HELP[command], **kwargs)


def out(text: str) -> None:
    if text:
        print(text, flush=True)


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# -- context -------------------------------------------------------------------------


class Context:
    """What every command gets: the resolved state dir and a lazily made engine."""

    def __init__(self, state_dir_flag: str | None) -> None:
        self._flag = state_dir_flag
        self._engine: Engine | None = None

    @property
    def state_dir(self) -> Path:
        from plugnet.core.state import resolve_state_dir

        return resolve_state_dir(self._flag)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from plugnet.core.engine import Engine

            self._engine = Engine(self.state_dir, log=log)
        return self._engine


Command = Callable[[list[str], Context], int]
