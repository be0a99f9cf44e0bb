"""Read-only probes of the host for backend selection (no iptc or nftables import).

Each probe answers one question and never changes anything: which distro
(os-release), which ``iptables`` variant the PATH runs, whether the kernel
answers nf_tables (one ``NFT_MSG_GETGEN`` netlink request, what ``nft list``
starts with) and whether legacy ip_tables is present or in use.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Literal

__all__ = [
    "IptablesVariant",
    "parse_os_release",
    "probe_iptables_variant",
    "probe_kernel_ip_tables",
    "probe_kernel_nf_tables",
    "read_legacy_tables",
    "read_os_release",
]

IptablesVariant = Literal["nf_tables", "legacy", "missing", "unknown"]


def read_os_release(
    paths: tuple[str, ...] = ("/etc/os-release", "/usr/lib/os-release"),
) -> dict[str, str]:
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError:
            continue
        return parse_os_release(text)
    return {}


def parse_os_release(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            values[key] = value.strip().strip("\"'")
    return values


def probe_iptables_variant(
    which: Callable[[str], str | None] = shutil.which,
) -> tuple[IptablesVariant, str]:
    """Tell iptables-nft from iptables-legacy: the symlink target first, then ``iptables -V``."""
    path = which("iptables") or (
        "/usr/sbin/iptables" if os.path.exists("/usr/sbin/iptables") else None
    )
    if path is None:
        return "missing", "no iptables command"
    target = os.path.basename(os.path.realpath(path))
    if "nft" in target:
        return "nf_tables", f"{path} -> {target}"
    if "legacy" in target:
        return "legacy", f"{path} -> {target}"
    return _iptables_version_variant(path)


def _iptables_version_variant(path: str) -> tuple[IptablesVariant, str]:
    try:
        result = subprocess.run(
            [path, "-V"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown", f"{path} -V failed"
    version = (result.stdout or result.stderr).strip()
    if "nf_tables" in version:
        return "nf_tables", f"`iptables -V`: {version}"
    if "legacy" in version:
        return "legacy", f"`iptables -V`: {version}"
    # iptables before 1.8 has no suffix and is always legacy.
    if version.startswith("iptables v1."):
        return "legacy", f"`iptables -V`: {version}"
    return "unknown", f"`iptables -V`: {version or 'no output'}"


def read_legacy_tables(path: str = "/proc/net/ip_tables_names") -> tuple[str, ...]:
    try:
        return tuple(Path(path).read_text(encoding="ascii").split())
    except OSError:
        return ()


def probe_kernel_ip_tables() -> bool | None:
    # The file exists once ip_tables is loaded or built in; absent may mean "not yet
    # autoloaded", so absence is "unknown", not "missing".
    return True if os.path.exists("/proc/net/ip_tables_names") else None


_NETLINK_NETFILTER = 12
_NFNL_SUBSYS_NFTABLES = 10
_NFT_MSG_GETGEN = 16
_NLM_F_REQUEST = 0x1
_NLMSG_ERROR = 2


def probe_kernel_nf_tables() -> bool | None:
    """Ask the kernel for the nf_tables ruleset generation (a read, like ``nft list``).

    True when it answers, False when nfnetlink has no nf_tables subsystem
    (EOPNOTSUPP), None when we cannot tell (no permission, no netlink).
    """
    msg_type = (_NFNL_SUBSYS_NFTABLES << 8) | _NFT_MSG_GETGEN
    nfgenmsg = struct.pack("=BBH", socket.AF_UNSPEC, 0, 0)
    header = struct.pack("=IHHII", 16 + len(nfgenmsg), msg_type, _NLM_F_REQUEST, 1, 0)
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, _NETLINK_NETFILTER) as sock:
            sock.settimeout(2)
            sock.send(header + nfgenmsg)
            reply = sock.recv(4096)
    except OSError:
        return None
    if len(reply) < 16:
        return None
    _length, reply_type = struct.unpack_from("=IH", reply)
    if reply_type != _NLMSG_ERROR:
        return True
    (error,) = struct.unpack_from("=i", reply, 16)
    if error == 0:
        return True
    if -error in (95, 2):  # EOPNOTSUPP, ENOENT: no nf_tables subsystem
        return False
    return None
