"""Choose the firewall backend for this host: an explicit name wins, else distro data plus probes.

``select_backend`` is pure given a :class:`HostProbe`; :meth:`HostProbe.detect`
gathers the facts from the host (os-release, which ``iptables`` variant is
installed, whether libnftables and python-iptables can load, whether the kernel
answers nf_tables and legacy ip_tables). Nothing here imports ``iptc`` or
``nftables``: availability is checked with ``importlib.util.find_spec`` and
``ctypes.util.find_library``, so ``plugnet status`` stays cheap.

Order of evidence for ``auto`` (strongest first):

1. the variant of the host's ``iptables`` command: an nf_tables host gets
   nftables (its admin tools show nf_tables rules), a legacy host iptables;
2. the distro default (:data:`DISTRO_DEFAULTS`, keyed on os-release ``ID``
   then ``ID_LIKE``, with a minimum ``VERSION_ID``);
3. whether legacy tables are already in use (``/proc/net/ip_tables_names``);
4. nftables.

A choice that cannot load here falls back to the other built-in with a
warning; when neither can, :class:`~plugnet.core.errors.Unavailable` says why
and what to install.
"""

from __future__ import annotations

import ctypes.util
import importlib.util
from dataclasses import dataclass, field
from typing import Literal

from plugnet.core.errors import Unavailable
from plugnet.firewall import probes
from plugnet.firewall.probes import IptablesVariant

__all__ = [
    "BUILTIN_BACKENDS",
    "DISTRO_DEFAULTS",
    "BackendChoice",
    "DistroDefault",
    "HostProbe",
    "distro_default",
    "select_backend",
]

BUILTIN_BACKENDS = ("iptables", "nftables", "none")
SELECTED_BY_FLAG = "selected by --firewall-backend"


@dataclass(frozen=True, slots=True)
class BackendChoice:
    """The backend to load, why it was chosen, and what the user should know."""

    name: str
    reason: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DistroDefault:
    """One row of the distro table: ``os_id`` at ``min_version`` or later uses ``backend``."""

    os_id: str
    min_version: str
    backend: Literal["iptables", "nftables"]


#: Distro defaults, most specific first within an ID. A row with min_version
#: "0" catches the older releases. Sources: the distros' own switch to
#: iptables-nft / nftables (Debian 11 buster->bullseye, Ubuntu 21.10/22.04,
#: Fedora 32 firewalld, RHEL 8 and its rebuilds); Alpine still ships legacy.
DISTRO_DEFAULTS: tuple[DistroDefault, ...] = (
    DistroDefault("debian", "11", "nftables"),
    DistroDefault("debian", "0", "iptables"),
    DistroDefault("ubuntu", "22.04", "nftables"),
    DistroDefault("ubuntu", "0", "iptables"),
    DistroDefault("fedora", "32", "nftables"),
    DistroDefault("fedora", "0", "iptables"),
    DistroDefault("rhel", "8", "nftables"),
    DistroDefault("rhel", "0", "iptables"),
    DistroDefault("centos", "8", "nftables"),
    DistroDefault("centos", "0", "iptables"),
    DistroDefault("rocky", "8", "nftables"),
    DistroDefault("almalinux", "8", "nftables"),
    DistroDefault("ol", "8", "nftables"),
    DistroDefault("ol", "0", "iptables"),
    DistroDefault("amzn", "2023", "nftables"),
    DistroDefault("amzn", "0", "iptables"),
    DistroDefault("arch", "0", "nftables"),
    DistroDefault("opensuse-tumbleweed", "0", "nftables"),
    DistroDefault("sles", "16", "nftables"),
    DistroDefault("sles", "0", "iptables"),
    DistroDefault("alpine", "0", "iptables"),
)

#: What to install, per missing piece (Debian/Ubuntu package names first).
INSTALL_HINTS = {
    "libnftables": "apt-get install libnftables1 (dnf install nftables)",
    "nftables-module": "apt-get install python3-nftables, or pip install pip-nftables",
    "libiptc": "apt-get install libip4tc2 (dnf install iptables-libs)",
    "iptc-module": "apt-get install python3-iptables, or pip install python-iptables",
    "kernel-nf_tables": "a kernel with CONFIG_NF_TABLES (modprobe nf_tables)",
    "kernel-ip_tables": "a kernel with CONFIG_IP_NF_IPTABLES (modprobe ip_tables)",
}


@dataclass(frozen=True, slots=True)
class HostProbe:
    """Facts about the host that decide the backend. Tests build one per distro row."""

    os_id: str = ""
    os_version: str = ""
    os_like: tuple[str, ...] = ()
    #: Which ``iptables`` the host's PATH runs, and how we know (for the reason).
    iptables_variant: IptablesVariant = "missing"
    iptables_evidence: str = ""
    libnftables: bool = False
    nftables_module: bool = False
    libiptc: bool = False
    iptc_module: bool = False
    #: None means "could not tell" (e.g. no CAP_NET_ADMIN): not held against a backend.
    kernel_nf_tables: bool | None = None
    kernel_ip_tables: bool | None = None
    #: Legacy tables the kernel has (``/proc/net/ip_tables_names``); non-empty means in use.
    legacy_tables: tuple[str, ...] = field(default=())

    @classmethod
    def detect(cls) -> HostProbe:
        """Probe this host (the current network namespace). Reads only; changes nothing."""
        os_release = probes.read_os_release()
        variant, evidence = probes.probe_iptables_variant()
        return cls(
            os_id=os_release.get("ID", ""),
            os_version=os_release.get("VERSION_ID", ""),
            os_like=tuple(os_release.get("ID_LIKE", "").split()),
            iptables_variant=variant,
            iptables_evidence=evidence,
            libnftables=ctypes.util.find_library("nftables") is not None,
            nftables_module=importlib.util.find_spec("nftables") is not None,
            libiptc=ctypes.util.find_library("ip4tc") is not None,
            iptc_module=importlib.util.find_spec("iptc") is not None,
            kernel_nf_tables=probes.probe_kernel_nf_tables(),
            kernel_ip_tables=probes.probe_kernel_ip_tables(),
            legacy_tables=probes.read_legacy_tables(),
        )

    def nftables_missing(self) -> list[str]:
        """What keeps the nftables backend from working here (empty: it can)."""
        missing = []
        if not self.libnftables:
            missing.append("libnftables")
        if not self.nftables_module:
            missing.append("nftables-module")
        if self.kernel_nf_tables is False:
            missing.append("kernel-nf_tables")
        return missing

    def iptables_missing(self) -> list[str]:
        """What keeps the iptables backend (legacy tables via libiptc) from working here."""
        missing = []
        if not self.libiptc:
            missing.append("libiptc")
        if not self.iptc_module:
            missing.append("iptc-module")
        if self.kernel_ip_tables is False:
            missing.append("kernel-ip_tables")
        return missing

    def describe_os(self) -> str:
        return f"{self.os_id or 'unknown distro'} {self.os_version}".strip()


def select_backend(
    requested: str,
    *,
    iptables_enabled: bool,
    probe: HostProbe | None = None,
) -> BackendChoice:
    """Resolve ``--firewall-backend`` (``auto`` by default) to a backend name.

    A third party's name is returned as is (the plugin host reports unknown
    names). A built-in that cannot work here raises
    :class:`~plugnet.core.errors.Unavailable` naming what is missing and what
    to install. ``probe`` defaults to :meth:`HostProbe.detect`, run only when
    the answer depends on the host.
    """
    if not iptables_enabled:
        return BackendChoice("none", "--iptables=false")
    requested = requested or "auto"
    if requested == "none":
        return BackendChoice("none", SELECTED_BY_FLAG)
    if requested not in ("auto", "iptables", "nftables"):
        return BackendChoice(requested, SELECTED_BY_FLAG)
    host = probe if probe is not None else HostProbe.detect()
    if requested == "auto":
        return _select_auto(host)
    _require(requested, host)
    return BackendChoice(requested, SELECTED_BY_FLAG, _warnings_for(requested, host))


def distro_default(probe: HostProbe) -> DistroDefault | None:
    """The first row of :data:`DISTRO_DEFAULTS` for the host's ID (then ID_LIKE)."""
    for os_id in (probe.os_id, *probe.os_like):
        for row in DISTRO_DEFAULTS:
            if row.os_id == os_id and _version_at_least(probe.os_version, row.min_version):
                return row
    return None


# -- auto ------------------------------------------------------------------


def _select_auto(host: HostProbe) -> BackendChoice:
    preferred, why = _auto_preference(host)
    other = "iptables" if preferred == "nftables" else "nftables"
    missing = _missing(preferred, host)
    if not missing:
        reason = f"auto: {why}; {_ready_phrase(preferred, host)}"
        return BackendChoice(preferred, reason, _warnings_for(preferred, host))
    if _missing(other, host):
        raise _unavailable(preferred, missing, f"(auto: {why}; {other} cannot work either: ")
    reason = f"auto: {why}, but {preferred} cannot work here ({_describe_missing(missing)})"
    warning = (
        f"falling back to the {other} backend because {preferred} cannot work here: "
        f"{_describe_missing(missing)}; to get {preferred}: {_hints(missing)}"
    )
    return BackendChoice(other, reason, (warning, *_warnings_for(other, host)))


def _auto_preference(host: HostProbe) -> tuple[Literal["iptables", "nftables"], str]:
    row = distro_default(host)
    if host.iptables_variant in ("nf_tables", "legacy"):
        backend: Literal["iptables", "nftables"] = (
            "nftables" if host.iptables_variant == "nf_tables" else "iptables"
        )
        why = (
            f"the host's iptables is the {host.iptables_variant} variant ({host.iptables_evidence})"
        )
        if row is not None:
            agrees = "too" if row.backend == backend else "but the host's tools win"
            why += f"; {host.describe_os()} defaults to {row.backend} {agrees}"
        return backend, why
    if row is not None:
        return row.backend, (
            f"{host.describe_os()} defaults to {row.backend} "
            f"(distro table: {row.os_id} >= {row.min_version})"
        )
    if host.legacy_tables:
        tables = ",".join(host.legacy_tables)
        return "iptables", f"unknown distro and legacy tables are in use ({tables})"
    return "nftables", f"unknown distro ({host.describe_os()}) and no legacy tables in use"


def _ready_phrase(backend: str, host: HostProbe) -> str:
    if backend == "nftables":
        kernel = {True: "the kernel answers nf_tables", False: "", None: "kernel not probed"}
        return f"libnftables loads, {kernel[host.kernel_nf_tables]}"
    kernel_ip = {True: "the kernel has ip_tables", False: "", None: "kernel not probed"}
    return f"python-iptables and libip4tc load, {kernel_ip[host.kernel_ip_tables]}"


# -- availability and warnings ---------------------------------------------


def _missing(backend: str, host: HostProbe) -> list[str]:
    return host.nftables_missing() if backend == "nftables" else host.iptables_missing()


def _require(backend: str, host: HostProbe) -> None:
    missing = _missing(backend, host)
    if missing:
        raise _unavailable(backend, missing, "")


def _unavailable(backend: str, missing: list[str], context: str) -> Unavailable:
    detail = _describe_missing(missing)
    suffix = ""
    if context:
        other = "iptables" if backend == "nftables" else "nftables"
        suffix = f" {context}see `--firewall-backend {other}`)"
    return Unavailable(
        f"firewall backend {backend!r} cannot work on this host: {detail}; "
        f"install: {_hints(missing)}{suffix}"
    )


_MISSING_TEXT = {
    "libnftables": "libnftables (libnftables.so.1) not found",
    "nftables-module": "the Python module 'nftables' is not installed",
    "libiptc": "libip4tc (libip4tc.so.2) not found",
    "iptc-module": "the Python module 'iptc' (python-iptables) is not installed",
    "kernel-nf_tables": "the kernel does not answer nf_tables requests",
    "kernel-ip_tables": "the kernel has no legacy ip_tables support",
}


def _describe_missing(missing: list[str]) -> str:
    return ", ".join(_MISSING_TEXT[m] for m in missing)


def _hints(missing: list[str]) -> str:
    return "; ".join(INSTALL_HINTS[m] for m in missing)


def _warnings_for(backend: str, host: HostProbe) -> tuple[str, ...]:
    if backend == "iptables" and host.iptables_variant == "nf_tables":
        return (
            "the iptables backend writes the legacy tables (libiptc), but this host's "
            "`iptables` command is the nf_tables variant and does not show them; "
            "use `iptables-legacy-save` to see plugnet's rules",
        )
    if backend == "nftables" and host.iptables_variant == "legacy" and host.legacy_tables:
        return (
            "the nftables backend writes table 'ip plugnet', which this host's legacy "
            "`iptables` command does not show; use `nft list table ip plugnet`",
        )
    return ()


def _version_at_least(version: str, minimum: str) -> bool:
    return _version_key(version) >= _version_key(minimum)


def _version_key(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.replace("-", ".").split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts) or (0,)
