"""iptables rules as data: one :class:`RuleSpec` renders to a python-iptables rule or a save line.

A spec names its table and chain, where it goes (top, as Docker's ``-I``, or
end, as ``-A``), its matches as ``(module, ((option, value), ...))`` pairs,
and its owner tag. The tag is a ``-m comment`` match: ``plugnet`` on the
network's base rules, ``plugnet:<container>...`` on port and link rules.
Teardown and reapply remove rules by that tag only, so a user's rule is
never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from plugnet.core.errors import InvalidConfig

__all__ = ["BASE_TAG", "OWN_CHAIN", "TAG_PREFIX", "RuleSpec", "is_ours"]

BASE_TAG = "plugnet"
TAG_PREFIX = "plugnet:"
#: plugnet's nat chain: Docker 1.2's name, so the layout users see is Docker's.
#: plugnet's rules in it carry the ``plugnet`` tag like all others.
OWN_CHAIN = "DOCKER"

Option = tuple[str, str]


def is_ours(comment: str | None) -> bool:
    return comment is not None and (comment == BASE_TAG or comment.startswith(TAG_PREFIX))


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One iptables rule. Interface and address values take a leading ``!`` to negate."""

    table: Literal["filter", "nat"]
    chain: str
    target: str
    comment: str = BASE_TAG
    src: str | None = None
    dst: str | None = None
    in_iface: str | None = None
    out_iface: str | None = None
    proto: str | None = None
    matches: tuple[tuple[str, tuple[Option, ...]], ...] = ()
    target_options: tuple[Option, ...] = ()
    #: "top" inserts at the head of the chain (Docker's -I), "end" appends (-A).
    position: Literal["top", "end"] = "top"

    def to_iptc(self, iptc: Any) -> Any:
        """Build the python-iptables ``Rule`` (``iptc`` is the lazily imported module).

        :raises InvalidConfig: python-iptables refused a value (e.g. a bridge name
            longer than 15 characters).
        """
        try:
            return self._build(iptc)
        except (ValueError, iptc.IPTCError, iptc.XTablesError) as exc:
            raise InvalidConfig(f"iptables: cannot build rule `{self.save_line()}`: {exc}") from exc

    def _build(self, iptc: Any) -> Any:
        rule = iptc.Rule()
        for attr, value in (
            ("src", self.src),
            ("dst", self.dst),
            ("in_interface", self.in_iface),
            ("out_interface", self.out_iface),
            ("protocol", self.proto),
        ):
            if value is not None:
                setattr(rule, attr, value)
        for module, options in (*self.matches, ("comment", (("comment", self.comment),))):
            match = rule.create_match(module)
            for option, value in options:
                setattr(match, option.replace("-", "_"), value)
        target = rule.create_target(self.target)
        for option, value in self.target_options:
            setattr(target, option.replace("-", "_"), value)
        return rule

    def save_line(self) -> str:
        """The rule as ``iptables-save`` prints it (for plan and docs)."""
        words = [f"-A {self.chain}"]
        for flag, value in (
            ("-s", self.src),
            ("-d", self.dst),
            ("-i", self.in_iface),
            ("-o", self.out_iface),
            ("-p", self.proto),
        ):
            if value is not None:
                words.append(_negatable(flag, value))
        for module, options in self.matches:
            words.append(f"-m {module}")
            words += [f"--{option} {value}" for option, value in options]
        comment = self.comment if self.comment == BASE_TAG else f'"{self.comment}"'
        words.append(f"-m comment --comment {comment}")
        words.append(f"-j {self.target}")
        words += [f"--{option} {value}" for option, value in self.target_options]
        return " ".join(words)


def _negatable(flag: str, value: str) -> str:
    if value.startswith("!"):
        return f"! {flag} {value[1:]}"
    return f"{flag} {value}"
