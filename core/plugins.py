"""The plugin host: discovery through stevedore, registration with pluggy.

Plugins are entry points in three namespaces:

- ``plugnet.drivers``: network drivers, one per mode (``bridge``, ``none``...);
- ``plugnet.firewall``: firewall backends (``iptables``, ``nftables``, ``none``);
- ``plugnet.ipam``: allocators (``default``).

An entry point names a factory (usually a class) that is called with no
arguments; the object it returns is registered with pluggy. Before that the
object's ``plugnet_contract`` is checked against
:data:`~plugnet.core.hookspecs.CONTRACT_VERSION` and the hooks its kind requires
must be present. Any failure is a :class:`~plugnet.core.errors.PluginError`
naming the plugin, its distribution and the reason: never a traceback, never a
silent skip.

Only the plugins selected for a run are imported. ``init`` finds them through
stevedore and records their entry points in the state; later short-lived calls
(``attach``, ``publish``...) import the recorded targets directly, which spares
every call the entry-point scan.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pluggy
from plugnet.core import hookspecs
from plugnet.core.errors import ContractMismatch, NotFound, PluginError
from plugnet.core.hookcaller import Hooks

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

__all__ = ["NAMESPACES", "LoadedPlugin", "PluginHost", "PluginRecord"]

NAMESPACES = ("plugnet.drivers", "plugnet.firewall", "plugnet.ipam")
UNKNOWN_DISTRIBUTION = "unknown distribution"


@dataclass(frozen=True, slots=True)
class PluginRecord:
    """One discovered entry point, for ``plugnet plugins`` and for the state."""

    namespace: str
    name: str
    target: str
    distribution: str
    version: str
    status: str = "available"
    reason: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "namespace": self.namespace,
            "name": self.name,
            "target": self.target,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class LoadedPlugin:
    record: PluginRecord
    obj: object


def _distribution_of(entry_point: EntryPoint, namespace: str) -> tuple[str, str]:
    """The distribution providing ``entry_point`` and its version.

    stevedore rebuilds entry points from its on-disk cache without their
    ``dist``; the installed metadata still knows, so look it up there.
    """
    dist = getattr(entry_point, "dist", None)
    if dist is None:
        from importlib.metadata import entry_points

        for candidate in entry_points(group=namespace, name=entry_point.name):
            if candidate.value == entry_point.value and candidate.dist is not None:
                dist = candidate.dist
                break
    if dist is None:
        return UNKNOWN_DISTRIBUTION, ""
    return str(dist.metadata["Name"]), str(dist.version)


def _record(
    namespace: str, entry_point: EntryPoint, status: str = "available", reason: str = ""
) -> PluginRecord:
    dist_name, dist_version = _distribution_of(entry_point, namespace)
    return PluginRecord(
        namespace=namespace,
        name=entry_point.name,
        target=entry_point.value,
        distribution=dist_name,
        version=dist_version,
        status=status,
        reason=reason,
    )


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    detail = text[0] if text else ""
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _major(version: str) -> str:
    return version.split(".", 1)[0]


class PluginHost:
    """Owns the pluggy manager and the plugins registered for one run.

    :param manager: a ready manager, for tests; by default a new one with
        plugnet's hook specs.
    """

    def __init__(self, manager: pluggy.PluginManager | None = None) -> None:
        if manager is None:
            manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
            manager.add_hookspecs(hookspecs)
        self.manager = manager
        self.hooks = Hooks(manager)
        self.loaded: dict[str, LoadedPlugin] = {}

    # -- registration (shared by every way of loading) -------------------------------

    def register(
        self, namespace: str, record: PluginRecord, factory: Callable[[], Any]
    ) -> LoadedPlugin:
        """Instantiate, check and register one plugin; the test seam too.

        :raises PluginError: the factory failed, the contract version differs in
            its major, or a required hook is missing.
        """
        try:
            obj = factory() if callable(factory) else factory
        except Exception as exc:
            raise PluginError(
                record.name, _dist_label(record), f"failed to start: {_describe(exc)}"
            ) from exc
        self._check_contract(namespace, record, obj)
        try:
            self.manager.register(obj, name=f"{namespace}:{record.name}")
            self.manager.check_pending()
        except pluggy.PluginValidationError as exc:
            if self.manager.is_registered(obj):
                self.manager.unregister(obj)
            raise PluginError(
                record.name, _dist_label(record), f"breaks the contract: {exc}"
            ) from exc
        loaded = LoadedPlugin(
            record=PluginRecord(**{**record.to_json(), "status": "loaded"}), obj=obj
        )
        self.loaded[namespace] = loaded
        return loaded

    def _check_contract(self, namespace: str, record: PluginRecord, obj: object) -> None:
        declared = getattr(obj, "plugnet_contract", None)
        label = _dist_label(record)
        if not isinstance(declared, str):
            raise PluginError(
                record.name,
                label,
                "declares no plugnet_contract version "
                f"(plugnet speaks {hookspecs.CONTRACT_VERSION})",
            )
        if _major(declared) != _major(hookspecs.CONTRACT_VERSION):
            raise ContractMismatch(
                record.name,
                label,
                f"built for plugin contract {declared}, but this plugnet speaks "
                f"{hookspecs.CONTRACT_VERSION}",
            )
        required = hookspecs.REQUIRED_HOOKS.get(namespace, frozenset())
        missing = sorted(name for name in required if not callable(getattr(obj, name, None)))
        if missing:
            raise PluginError(record.name, label, "lacks required hook(s): " + ", ".join(missing))

    # -- loading by name: stevedore ---------------------------------------------------------

    def load(self, namespace: str, name: str) -> LoadedPlugin:
        """Find ``name`` in ``namespace`` through stevedore, import it and register it."""
        from stevedore import driver as stevedore_driver
        from stevedore.exception import MultipleMatches, NoMatches

        failure: list[PluginError] = []

        def on_failure(_manager: object, entry_point: EntryPoint, exc: BaseException) -> None:
            record = _record(namespace, entry_point)
            failure.append(
                PluginError(name, _dist_label(record), f"failed to import: {_describe(exc)}")
            )

        try:
            manager: Any = stevedore_driver.DriverManager(
                namespace,
                name,
                invoke_on_load=False,
                on_load_failure_callback=on_failure,
                on_missing_entrypoints_callback=lambda _names: None,
            )
        except MultipleMatches:
            targets = ", ".join(
                sorted(r.target for r in self.discover(namespace) if r.name == name)
            )
            raise PluginError(
                name,
                "several distributions",
                f"more than one installed plugin is named {name!r} in {namespace}: {targets}",
            ) from None
        except NoMatches:
            if failure:
                raise failure[0] from None
            available = ", ".join(sorted(r.name for r in self.discover(namespace))) or "none"
            raise NotFound(f"no plugin {name!r} in {namespace} (installed: {available})") from None
        extension = manager.extensions[0]
        record = _record(namespace, extension.entry_point)
        return self.register(namespace, record, extension.plugin)

    def load_recorded(self, record: PluginRecord) -> LoadedPlugin:
        """Import a plugin from the entry point recorded by an earlier ``init``."""
        module_name, _, attr = record.target.partition(":")
        try:
            target: Any = importlib.import_module(module_name)
            for part in filter(None, attr.split(".")):
                target = getattr(target, part)
        except Exception as exc:
            raise PluginError(
                record.name, _dist_label(record), f"failed to import: {_describe(exc)}"
            ) from exc
        return self.register(record.namespace, record, target)

    # -- listing --------------------------------------------------------------------

    def discover(self, namespace: str) -> list[PluginRecord]:
        """Every entry point in ``namespace``, without importing any."""
        from importlib.metadata import entry_points

        found = entry_points(group=namespace)
        return sorted((_record(namespace, ep) for ep in found), key=lambda r: r.name)

    def probe_all(self) -> list[PluginRecord]:
        """Import and check every plugin of every namespace, in a scratch host each.

        Used by ``plugnet plugins``: a plugin that fails is listed as failed with
        its reason; none is skipped.
        """
        records: list[PluginRecord] = []
        for namespace in NAMESPACES:
            for record in self.discover(namespace):
                scratch = PluginHost()
                try:
                    scratch.load_recorded(record)
                except PluginError as exc:
                    records.append(
                        PluginRecord(
                            **{**record.to_json(), "status": "failed", "reason": exc.reason}
                        )
                    )
                else:
                    records.append(PluginRecord(**{**record.to_json(), "status": "loaded"}))
        return records


def _dist_label(record: PluginRecord) -> str:
    return f"{record.distribution} {record.version}".strip()
