"""Reading and writing sysctls through /proc/sys of the current network namespace.

/proc/sys/net shows the namespace of the thread that opens the file, unlike
/sys/class/net, which shows the namespace of whoever mounted sysfs: never use
/sys for per-namespace state.
"""

from __future__ import annotations

from pathlib import Path

from plugnet.core.errors import KernelError

__all__ = ["read_sysctl", "sysctl_path", "write_sysctl"]

PROC_SYS = Path("/proc/sys")


def sysctl_path(key: str) -> Path:
    """``net.ipv4.ip_forward`` -> ``/proc/sys/net/ipv4/ip_forward``.

    Interface names may contain dots, so pass ``net.ipv4.conf.<if>.<key>`` only
    through :func:`sysctl_path` with the interface already known to have none,
    or build the path yourself.
    """
    return PROC_SYS.joinpath(*key.split("."))


def read_sysctl(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise KernelError(f"cannot read {path}: {exc.strerror}") from exc


def write_sysctl(path: Path, value: str) -> None:
    try:
        path.write_text(value + "\n")
    except OSError as exc:
        raise KernelError(f"cannot write {path}: {exc.strerror}") from exc
