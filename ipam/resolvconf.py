"""resolv.conf parsing with Docker 1.2's rules (spec §6.4), minus its one bug.

Docker cuts each line at the first ``#`` (``;`` is not a comment), and takes
``nameserver`` lines that match an IPv4-looking regex. It never range-checked
the numbers, so ``nameserver 300.1.1.1`` made every candidate subnet fail
(§14.16). Here such a line is ignored with a warning instead.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from ipaddress import AddressValueError, IPv4Address

__all__ = ["Nameservers", "parse_nameservers"]

log = logging.getLogger(__name__)

# Docker's regex, byte for byte. Go's \s is [\t\n\f\r ]; spelled out so that
# Python's wider \s (which adds \v and Unicode spaces) does not differ.
_SPACE = r"[\t\n\f\r ]"
NAMESERVER_RE = re.compile(
    rf"^{_SPACE}*nameserver{_SPACE}*(([0-9]+\.){{3}}([0-9]+)){_SPACE}*$", re.ASCII
)


@dataclass(frozen=True, slots=True)
class Nameservers:
    """The IPv4 nameservers found, and one warning per malformed line ignored."""

    addresses: tuple[IPv4Address, ...]
    warnings: tuple[str, ...] = ()


def _strip_comment(line: str) -> str:
    return line.split("#", 1)[0]


def parse_nameservers(text: str) -> Nameservers:
    """The IPv4 nameservers of a resolv.conf text, in file order."""
    found: list[IPv4Address] = []
    warnings: list[str] = []
    for line in text.split("\n"):
        match = NAMESERVER_RE.match(_strip_comment(line))
        if match is None:
            continue
        try:
            found.append(IPv4Address(match.group(1)))
        except AddressValueError:
            warning = (
                f"ignoring malformed nameserver line in resolv.conf: {line.strip()!r} "
                f"({match.group(1)} is not an IPv4 address)"
            )
            log.warning(warning)
            warnings.append(warning)
    return Nameservers(tuple(found), tuple(warnings))
