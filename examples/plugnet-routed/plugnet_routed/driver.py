"""The routed driver: what plugnet calls once ``plugnet_make_driver`` made it.

State lives in two tables of plugnet's state store, prefixed with the plugin's
name: ``routed_network`` (the subnet and the ip_forward value found at init,
restored at teardown) and ``routed_attachments`` (one row per container).
"""

from __future__ import annotations

import json
import secrets
from ipaddress import IPv4Interface
from pathlib import Path
from typing import Any

from plugnet.core import messages
from plugnet.core.driver import DriverContext, HandlerRegistry, InitReport
from plugnet.core.errors import Conflict, InvalidConfig, KernelError, PlugnetError
from plugnet.core.intents import Attachment, AttachRequest, IPRequest, SubnetRequest
from plugnet.linux.netns import resolve_netns
from plugnet.linux.sysctl import read_sysctl, sysctl_path, write_sysctl

from plugnet_routed import kernel

SCHEMA = """
CREATE TABLE IF NOT EXISTS routed_network (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    address TEXT NOT NULL,
    ip_forward_before TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS routed_attachments (
    container TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
"""
IFNAMSIZ = 15
DEFAULT_MTU = 1500
IP_FORWARD = sysctl_path("net.ipv4.ip_forward")


class RoutedDriver:
    """Containers on /32 routes through the host, no bridge."""

    name = "routed"

    def __init__(self, context: DriverContext) -> None:
        self.context = context
        self.state = context.state
        self.hooks = context.hooks
        self.network: IPv4Interface | None = None

    # -- phases ------------------------------------------------------------------------

    def _load(self) -> None:
        self.state.ensure_schema("routed.v1", SCHEMA)
        row = self.state.read().execute("SELECT address FROM routed_network").fetchone()
        self.network = IPv4Interface(row[0]) if row else None

    def plan(self) -> InitReport:
        self._load()
        if self.network is not None:
            return InitReport(facts={"network": str(self.network)})
        return InitReport(changes=["choose a subnet for routed containers", "ip_forward=1"])

    def init(self) -> InitReport:
        report = InitReport()
        with self.state.lock():
            self._load()
            if self.network is None:
                self.network = self._choose_network()
                with self.state.transaction() as conn:
                    conn.execute(
                        "INSERT INTO routed_network VALUES (1, ?, ?)",
                        (str(self.network), read_sysctl(IP_FORWARD)),
                    )
                report.changes.append(f"routed network {self.network}")
            if self.context.config.ip_forward and read_sysctl(IP_FORWARD) != "1":
                write_sysctl(IP_FORWARD, "1")
                report.changes.append("net.ipv4.ip_forward=1")
        report.facts["network"] = str(self.network)
        return report

    def _choose_network(self) -> IPv4Interface:
        if self.context.config.bip is not None:
            return self.context.config.bip
        resolv = Path("/etc/resolv.conf")
        text = resolv.read_text() if resolv.exists() else ""
        choice = self.hooks.choose_subnet(SubnetRequest("routed", kernel.main_routes(), text))
        return choice.address

    def resume(self) -> None:
        self._load()

    def register_handlers(self, registry: HandlerRegistry) -> None:
        registry.register("allocate_interface", self.allocate_interface)
        registry.register("release_interface", self.release_interface)

    def status(self) -> dict[str, Any]:
        self._load()
        count = self.state.read().execute("SELECT count(*) FROM routed_attachments").fetchone()
        return {"network": str(self.network), "attachments": count[0]}

    # -- handlers ----------------------------------------------------------------------

    def allocate_interface(self, request: AttachRequest) -> Attachment:
        if len(request.ifname) > IFNAMSIZ or not request.ifname:
            raise InvalidConfig(messages.INTERFACE_NAME_TOO_LONG.format(name=request.ifname))
        netns = resolve_netns(request.netns)
        with self.state.lock():
            if self._attachment(request.container) is not None:
                raise Conflict(f"container {request.container} already has an interface")
            assert self.network is not None, "init or resume first"
            ip = self.hooks.request_ip(
                IPRequest(self.network, request.container, request.requested_ip)
            )
            try:
                attachment = self._plug(request, netns, ip)
            except BaseException:
                self.hooks.release_owner(request.container)
                raise
            with self.state.transaction() as conn:
                conn.execute(
                    "INSERT INTO routed_attachments VALUES (?, ?)",
                    (request.container, _dumps(attachment)),
                )
        return attachment

    def _plug(self, request: AttachRequest, netns: Path, ip: Any) -> Attachment:
        suffix = secrets.token_hex(4)
        host_ifname, peer_tmp = f"rt{suffix}", f"rtp{suffix}"
        mtu = self.context.config.mtu or DEFAULT_MTU
        try:
            kernel.create_veth(host_ifname, peer_tmp, netns, mtu)
            mac = kernel.configure_container_side(netns, peer_tmp, request.ifname, ip, mtu)
            kernel.configure_host_side(host_ifname, ip)
        except Exception as exc:
            kernel.delete_link(host_ifname)
            if isinstance(exc, PlugnetError):
                raise
            raise KernelError(f"cannot attach {request.container}: {exc}") from exc
        return Attachment(
            container=request.container,
            ip=ip,
            prefixlen=32,
            mac=mac,
            gateway=kernel.GATEWAY,
            bridge="",
            ifname=request.ifname,
            host_ifname=host_ifname,
            netns=str(netns),
            mtu=mtu,
        )

    def release_interface(self, container: str) -> bool:
        with self.state.lock():
            attachment = self._attachment(container)
            if attachment is None:
                self.context.log(messages.NO_NETWORK_INFO.format(container=container))
                return False
            self.unplug(attachment["host_ifname"])
            self.hooks.release_owner(container)
            with self.state.transaction() as conn:
                conn.execute("DELETE FROM routed_attachments WHERE container = ?", (container,))
        return True

    def unplug(self, host_ifname: str) -> None:
        """Delete the host veth; the container side and both routes go with it."""
        kernel.delete_link(host_ifname)

    # -- teardown ----------------------------------------------------------------------

    def teardown(self) -> InitReport:
        report, errors = InitReport(), []
        with self.state.lock():
            self._load()
            rows = self.state.read().execute("SELECT container, data FROM routed_attachments")
            for container, data in rows.fetchall():
                try:
                    kernel.delete_link(_loads(data)["host_ifname"])
                    self.hooks.release_owner(container)
                    report.changes.append(f"detached {container}")
                except PlugnetError as exc:
                    errors.append(str(exc))
            row = self.state.read().execute("SELECT ip_forward_before FROM routed_network")
            before = row.fetchone()
            if before is not None and read_sysctl(IP_FORWARD) != before[0]:
                write_sysctl(IP_FORWARD, before[0])
                report.changes.append(f"net.ipv4.ip_forward={before[0]}")
            with self.state.transaction() as conn:
                conn.execute("DELETE FROM routed_attachments")
                conn.execute("DELETE FROM routed_network")
            self.network = None
        if errors:
            raise KernelError("teardown left things behind: " + "; ".join(errors))
        return report

    def _attachment(self, container: str) -> dict[str, Any] | None:
        self.state.ensure_schema("routed.v1", SCHEMA)
        row = (
            self.state.read()
            .execute("SELECT data FROM routed_attachments WHERE container = ?", (container,))
            .fetchone()
        )
        return _loads(row[0]) if row else None


def _dumps(attachment: Attachment) -> str:
    return json.dumps(attachment.to_json())


def _loads(data: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(data)
    return loaded
