"""The engine: from validated flags to a running driver, and back to it for each call.

``init`` follows Docker 1.2's daemon start: resolve the mode (``-b none`` gives
``none``, anything else ``bridge``), pick the firewall backend, load the
selected plugins (allocator, firewall backend, driver) through the plugin host,
make the driver *through the hook* ``plugnet_make_driver``, run its ``init`` (or
``plan`` for ``--dry-run``), register its handlers, and record what was done in
the state store under the key ``daemon``.

Every later command is a short-lived process: ``resume`` reads that record,
imports exactly the recorded plugins (no entry-point scan), and rebuilds the
driver without touching the kernel. ``status`` reads only the record, so it
imports no plugin at all.

Importing this module touches neither the kernel nor the environment, and it
imports neither pluggy nor stevedore: they are loaded when a plugin is.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plugnet.core import daemon_record, messages
from plugnet.core.daemon_record import DAEMON_KEY, NONE_MODE, NOT_INITIALISED
from plugnet.core.driver import DriverContext, HandlerRegistry, InitReport, Logger
from plugnet.core.errors import NotFound, PluginError, PlugnetError
from plugnet.core.intents import DaemonConfig
from plugnet.core.state import StateStore

if TYPE_CHECKING:
    from plugnet.core.driver import NetworkDriver
    from plugnet.core.plugins import PluginHost

__all__ = ["DAEMON_KEY", "NOT_INITIALISED", "Engine", "FirewallPick", "InitResult", "Session"]


def log_to_stderr(line: str) -> None:
    """Docker's ``job.Logf``: one line on stderr."""
    print(line.rstrip("\n"), file=sys.stderr, flush=True)


@dataclass(frozen=True, slots=True)
class FirewallPick:
    """The firewall backend for this run and why (mirrors the firewall's BackendChoice)."""

    name: str
    reason: str
    warnings: tuple[str, ...] = ()


@dataclass(slots=True)
class InitResult:
    """What ``init`` did, or with ``dry_run`` what it would do."""

    mode: str
    driver: str
    firewall: FirewallPick
    report: InitReport
    dry_run: bool
    plugins: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "driver": self.driver,
            "firewall": {"name": self.firewall.name, "reason": self.firewall.reason},
            "dry_run": self.dry_run,
            "changes": list(self.report.changes),
            "facts": daemon_record.json_safe(self.report.facts),
            "plugins": self.plugins,
        }


@dataclass(slots=True)
class Session:
    """A resumed daemon: the plugins, the driver and its handlers, for one process."""

    config: DaemonConfig
    mode: str
    host: PluginHost
    driver: NetworkDriver
    registry: HandlerRegistry


class Engine:
    """Runs plugnet's daemon jobs against one state directory.

    :param state_dir: where the state store lives.
    :param log: where Docker's log lines go (stderr by default).
    :param host_factory: makes the plugin host; tests pass one with fake plugins.
    :param select_backend: resolves ``--firewall-backend``; by default the
        firewall package's ``select_backend``, imported when needed.
    """

    def __init__(
        self,
        state_dir: Path,
        *,
        log: Logger = log_to_stderr,
        host_factory: Callable[[], PluginHost] | None = None,
        select_backend: Callable[..., Any] | None = None,
    ) -> None:
        self.state_dir = state_dir
        self.state = StateStore(state_dir)
        self.log = log
        self._host_factory = host_factory
        self._select_backend = select_backend
        self._session: Session | None = None

    # -- init ------------------------------------------------------------------------

    def init(self, config: DaemonConfig, dry_run: bool = False) -> InitResult:
        """Set the host up for ``config`` (Docker's daemon start), or plan it."""
        pick = self._choose_firewall(config)
        for warning in pick.warnings:
            self.log(f"WARNING: {warning}")
        host = self._new_host()
        self._load_plugins(host, config, pick.name)
        if dry_run:
            return self._plan(host, config, pick)
        return self._apply(host, config, pick)

    def _choose_firewall(self, config: DaemonConfig) -> FirewallPick:
        if config.mode == NONE_MODE:
            return FirewallPick(NONE_MODE, "networking is disabled (-b none)")
        select: Callable[..., Any]
        if self._select_backend is not None:
            select = self._select_backend
        else:
            from plugnet.firewall.selection import select_backend

            select = select_backend
        choice = select(config.firewall_backend, iptables_enabled=config.iptables)
        return FirewallPick(choice.name, choice.reason, tuple(choice.warnings))

    def _new_host(self) -> PluginHost:
        if self._host_factory is not None:
            return self._host_factory()
        from plugnet.core.plugins import PluginHost

        return PluginHost()

    def _load_plugins(self, host: PluginHost, config: DaemonConfig, firewall: str) -> None:
        """Import only what this run uses: allocator, firewall backend, driver."""
        if config.mode != NONE_MODE:
            host.load("plugnet.ipam", config.ipam)
            host.load("plugnet.firewall", firewall)
        host.load("plugnet.drivers", config.mode)

    def _make_driver(
        self, host: PluginHost, config: DaemonConfig, state: StateStore, firewall: str
    ) -> NetworkDriver:
        mode = config.mode
        context = DriverContext(
            config=config, state=state, hooks=host.hooks, firewall=firewall, log=self.log
        )
        driver = host.hooks.make_driver(mode, context)
        if driver is None:
            record = host.loaded["plugnet.drivers"].record
            label = f"{record.distribution} {record.version}".strip()
            raise PluginError(record.name, label, f"made no driver for mode {mode!r}")
        return driver

    def _plan(self, host: PluginHost, config: DaemonConfig, pick: FirewallPick) -> InitResult:
        """``--dry-run``: run the driver's plan on a scratch copy of the state."""
        previous = self.state.get_json(DAEMON_KEY)
        daemon_record.refuse_mode_switch(previous, config.mode)
        with daemon_record.scratch_copy(self.state) as scratch:
            host.hooks.configure(config, scratch)
            driver = self._make_driver(host, config, scratch, pick.name)
            report = driver.plan()
            driver.register_handlers(HandlerRegistry())
        old_network = daemon_record.previous_network(previous, pick.name)
        if old_network is not None:
            report.changes.insert(
                0,
                f"remove the rules of the previous firewall backend "
                f"{previous['firewall']['name']!r} for {old_network.bridge}",
            )
        return InitResult(config.mode, driver.name, pick, report, True, _records(host))

    def _apply(self, host: PluginHost, config: DaemonConfig, pick: FirewallPick) -> InitResult:
        dir_created = not self.state_dir.exists()
        try:
            with self.state.lock():
                # Decided under the lock: another init may have recorded its
                # work while this one waited, and a failure here must not wipe it.
                previous = self.state.get_json(DAEMON_KEY)
                try:
                    result, driver, registry = self._init_locked(host, config, pick, previous)
                except BaseException:
                    if previous is None:
                        self.state.destroy()
                    raise
        except BaseException:
            if dir_created:
                self.state.remove_directory()
            raise
        self._session = Session(config, config.mode, host, driver, registry)
        return result

    def _init_locked(
        self,
        host: PluginHost,
        config: DaemonConfig,
        pick: FirewallPick,
        previous: dict[str, Any] | None,
    ) -> tuple[InitResult, NetworkDriver, HandlerRegistry]:
        daemon_record.refuse_mode_switch(previous, config.mode)
        host.hooks.configure(config, self.state)
        driver = self._make_driver(host, config, self.state, pick.name)
        report = driver.init()
        registry = HandlerRegistry()
        driver.register_handlers(registry)
        # The old backend's rules go only once the new ones are in place, so a
        # failed switch leaves the host filtered as before.
        report.changes[:0] = self._clean_previous_firewall(previous, pick.name)
        result = InitResult(config.mode, driver.name, pick, report, False, _records(host))
        self.state.set_json(DAEMON_KEY, _daemon_record(config, result, registry))
        return result, driver, registry

    def _clean_previous_firewall(
        self, previous: dict[str, Any] | None, new_backend: str
    ) -> list[str]:
        """Switching backends: the old one removes its rules first (moby's cleaner)."""
        network = daemon_record.previous_network(previous, new_backend)
        if previous is None or network is None:
            return []
        from plugnet.core.plugins import PluginRecord

        old_name = previous["firewall"]["name"]
        scratch = self._new_host()
        for data in previous.get("plugins", []):
            if data.get("namespace") == "plugnet.firewall":
                scratch.load_recorded(PluginRecord(**data))
        scratch.hooks.configure(DaemonConfig.from_json(previous["config"]), self.state)
        try:
            scratch.hooks.firewall_teardown_network(network)
        except PlugnetError as exc:
            # The new backend's rules are in place; what the old one left can
            # only filter more, never less, so say so and go on.
            line = f"WARNING: the previous firewall backend {old_name!r} left rules: {exc}"
            self.log(line)
            return [line]
        return [
            f"removed the rules of the previous firewall backend {old_name!r} for {network.bridge}"
        ]

    # -- later calls -------------------------------------------------------------------

    def _record(self) -> dict[str, Any]:
        record = self.state.get_json(DAEMON_KEY)
        if record is None:
            raise NotFound(NOT_INITIALISED)
        missing = [k for k in ("config", "mode", "plugins", "firewall") if k not in record]
        if missing:
            raise PlugnetError(
                f"the state in {self.state_dir} is damaged (no {', '.join(missing)}); "
                "run 'plugnet init' again"
            )
        return dict(record)

    def resume(self) -> Session:
        """Rebuild the driver from the state for one handler call; no kernel access."""
        from plugnet.core.plugins import PluginRecord

        record = self._record()
        config = DaemonConfig.from_json(record["config"])
        host = self._new_host()
        for data in record["plugins"]:
            host.load_recorded(PluginRecord(**data))
        host.hooks.configure(config, self.state)
        driver = self._make_driver(host, config, self.state, record["firewall"]["name"])
        driver.resume()
        registry = HandlerRegistry()
        driver.register_handlers(registry)
        self._session = Session(config, record["mode"], host, driver, registry)
        return self._session

    def handler(self, name: str) -> Callable[..., Any]:
        """The handler registered under Docker's job ``name``."""
        session = self._session or self.resume()
        if session.mode == NONE_MODE or name in session.registry:
            return session.registry.get(name)
        raise NotFound(messages.COMMAND_NOT_FOUND.format(name=name))

    def status(self) -> dict[str, Any]:
        """What ``init`` recorded, read from the state only (imports no plugin)."""
        record = self._record()
        facts: dict[str, Any] = record.get("facts") or {}
        driver: dict[str, str] = next(
            (p for p in record["plugins"] if p.get("namespace") == "plugnet.drivers"), {}
        )
        status: dict[str, Any] = {
            "initialised": True,
            "state_dir": str(self.state_dir),
            "mode": record["mode"],
            "driver": {
                "name": record.get("driver", driver.get("name", record["mode"])),
                "distribution": driver.get("distribution", ""),
                "version": driver.get("version", ""),
            },
            "firewall": dict(record["firewall"]),
            "ipam": record["config"].get("ipam", "default") if record["mode"] != "none" else None,
            "handlers": record.get("handlers", []),
        }
        status.update(daemon_record.network_facts(facts))
        attachments = self._count_attachments(record["mode"], facts)
        if attachments is not None:
            status["attachments"] = attachments
        status["facts"] = facts
        return status

    def _count_attachments(self, mode: str, facts: dict[str, Any]) -> int | None:
        """Rows of the driver's ``<mode>_attachments`` table, if it keeps one."""
        table = f"{mode}_attachments"
        conn = self.state.read()
        known = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        if known is None:
            value = facts.get("attachments")
            return value if isinstance(value, int) else None
        (count,) = conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()
        return int(count)

    def teardown(self) -> InitReport:
        """Remove everything ``init`` set up, then the state itself."""
        if self.state.get_json(DAEMON_KEY) is None:
            self.log("plugnet is not initialised: nothing to tear down")
            return InitReport()
        with self.state.lock():
            session = self.resume()
            report = session.driver.teardown()
            if session.mode != NONE_MODE:
                session.host.hooks.reset_allocations()
            self.state.delete_key(DAEMON_KEY)
            self.state.destroy()
        self._session = None
        return report


# -- helpers -------------------------------------------------------------------------


def _records(host: PluginHost) -> list[dict[str, str]]:
    return [loaded.record.to_json() for loaded in host.loaded.values()]


def _daemon_record(
    config: DaemonConfig, result: InitResult, registry: HandlerRegistry
) -> dict[str, Any]:
    return {
        "config": config.to_json(),
        "mode": result.mode,
        "driver": result.driver,
        "plugins": result.plugins,
        "firewall": {"name": result.firewall.name, "reason": result.firewall.reason},
        "facts": daemon_record.json_safe(result.report.facts),
        "handlers": registry.names(),
    }
