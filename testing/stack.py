"""A plugin stack for tests: the selected plugins, configured, and the driver they make.

:class:`PluginStack` does what plugnet's engine does for one run, and no more:
it loads an allocator, a firewall backend and a network driver (by entry-point
name through :meth:`PluginHost.load`, or an object under test through
:meth:`PluginHost.register`), calls ``plugnet_configure``, makes the driver
through ``plugnet_make_driver`` and collects its handlers. Every call that may
touch the kernel runs with this thread inside ``host`` (a netns acting as the
host), so a test never changes the namespace it runs in::

    with PluginStack(state_dir, driver="bridge", firewall="none", host=host_netns) as stack:
        stack.init()
        attachment = stack.allocate_interface(AttachRequest("c1", netns=c1.path))

Nothing happens at construction: plugins load on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from plugnet.core.driver import DriverContext, HandlerRegistry, InitReport, NetworkDriver
from plugnet.core.intents import (
    Attachment,
    AttachRequest,
    DaemonConfig,
    LinkIntent,
    PortBinding,
    PortProto,
    PortSpec,
)
from plugnet.core.plugins import PluginHost, PluginRecord
from plugnet.core.state import StateStore
from plugnet.linux.netns import entered
from plugnet.testing.netns import Netns

__all__ = ["Plugin", "PluginSpec", "PluginStack"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Plugin:
    """A plugin under test that is not (or not yet) installed as an entry point.

    :param name: the name it would have in its namespace (for a driver: its mode).
    :param factory: a class or callable returning the plugin object, or the object.
    """

    name: str
    factory: Any

    def record(self, namespace: str) -> PluginRecord:
        target = getattr(self.factory, "__qualname__", type(self.factory).__qualname__)
        module = getattr(self.factory, "__module__", "")
        return PluginRecord(
            namespace=namespace,
            name=self.name,
            target=f"{module}:{target}",
            distribution="plugin under test",
            version="",
        )


#: An entry-point name (loaded through stevedore) or a :class:`Plugin`.
PluginSpec = str | Plugin


def _name_of(spec: PluginSpec) -> str:
    return spec if isinstance(spec, str) else spec.name


class PluginStack:
    """The plugins of one run and the driver they make, inside a host netns.

    :param state_dir: the state directory (a temporary one in tests).
    :param driver: the network driver; None for a stack without one (a
        firewall or allocator under test alone).
    :param firewall: the firewall backend; None loads none.
    :param ipam: the allocator; None loads none.
    :param config: the daemon flags; ``firewall_backend`` and ``ipam`` are set
        from the plugins given here.
    :param host: the netns every kernel-touching call runs in; None runs in
        the caller's own namespace.
    :param mode: the mode asked of ``plugnet_make_driver``; defaults to the
        driver's name.
    """

    def __init__(
        self,
        state_dir: Path,
        *,
        driver: PluginSpec | None = None,
        firewall: PluginSpec | None = None,
        ipam: PluginSpec | None = None,
        config: DaemonConfig | None = None,
        host: Netns | str | None = None,
        mode: str | None = None,
    ) -> None:
        self.state_dir = state_dir
        self.specs: dict[str, PluginSpec | None] = {
            "plugnet.ipam": ipam,
            "plugnet.firewall": firewall,
            "plugnet.drivers": driver,
        }
        base = config or DaemonConfig()
        self.config = DaemonConfig.from_json(
            {
                **base.to_json(),
                "firewall_backend": _name_of(firewall) if firewall else "none",
                "ipam": _name_of(ipam) if ipam else base.ipam,
            }
        )
        self.host_netns = host.name if isinstance(host, Netns) else host
        self.mode = mode or (_name_of(driver) if driver else self.config.mode)
        self.log_lines: list[str] = []
        self.state = StateStore(state_dir)
        self.plugin_host = PluginHost()
        self.registry = HandlerRegistry()
        self._loaded = False
        self._driver: NetworkDriver | None = None

    # -- the host netns --------------------------------------------------------------

    def in_host(self) -> AbstractContextManager[None]:
        """A block with this thread inside the host netns (or where it is)."""
        return entered(self.host_netns) if self.host_netns else nullcontext()

    def run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call ``func`` inside the host netns."""
        with self.in_host():
            return func(*args, **kwargs)

    # -- loading -----------------------------------------------------------------------

    def load(self) -> PluginHost:
        """Load and configure the plugins (touches no kernel object); idempotent."""
        if self._loaded:
            return self.plugin_host
        for namespace, spec in self.specs.items():
            if spec is None:
                continue
            if isinstance(spec, str):
                self.plugin_host.load(namespace, spec)
            else:
                self.plugin_host.register(namespace, spec.record(namespace), spec.factory)
        self.plugin_host.hooks.configure(self.config, self.state)
        self._loaded = True
        return self.plugin_host

    @property
    def hooks(self) -> Any:
        """The typed hook facade (:class:`plugnet.core.hookcaller.Hooks`)."""
        return self.load().hooks

    @property
    def driver(self) -> NetworkDriver:
        """The driver made through ``plugnet_make_driver`` (made on first use)."""
        if self._driver is None:
            self._driver = self._make_driver()
        return self._driver

    def _make_driver(self) -> NetworkDriver:
        if self.specs["plugnet.drivers"] is None:
            raise AssertionError("this PluginStack was built without a driver")
        host = self.load()
        context = DriverContext(
            config=self.config,
            state=self.state,
            hooks=host.hooks,
            firewall=self.config.firewall_backend,
            log=self.log_lines.append,
        )
        made = self.run(host.hooks.make_driver, self.mode, context)
        if made is None:
            raise AssertionError(
                f"contract rule: plugnet_make_driver must return a driver for its own mode; "
                f"found None for mode {self.mode!r}"
            )
        return made

    # -- the driver's phases -----------------------------------------------------------

    def plan(self) -> InitReport:
        return self.run(self.driver.plan)

    def init(self) -> InitReport:
        """``driver.init()`` then ``register_handlers`` (once per stack)."""
        report = self.run(self.driver.init)
        self._register_handlers()
        return report

    def resume(self) -> None:
        """``driver.resume()`` then ``register_handlers``: a later short-lived process."""
        self.run(self.driver.resume)
        self._register_handlers()

    def _register_handlers(self) -> None:
        if not self.registry.names():
            self.run(self.driver.register_handlers, self.registry)

    def teardown(self) -> InitReport:
        return self.run(self.driver.teardown)

    # -- the handlers --------------------------------------------------------------------

    def serves(self, name: str) -> bool:
        """True if the driver registered a handler under ``name``."""
        return name in self.registry

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call the handler ``name`` inside the host netns."""
        return self.run(self.registry.get(name), *args, **kwargs)

    def allocate_interface(self, request: AttachRequest) -> Attachment:
        result: Attachment = self.call("allocate_interface", request)
        return result

    def release_interface(self, container: str) -> bool:
        return bool(self.call("release_interface", container))

    def allocate_port(self, container: str, spec: PortSpec) -> PortBinding:
        result: PortBinding = self.call("allocate_port", container, spec)
        return result

    def release_port(self, container: str, spec: PortSpec) -> bool:
        return bool(self.call("release_port", container, spec))

    def link(self, parent: str, child: str, ports: tuple[PortProto, ...]) -> LinkIntent:
        result: LinkIntent = self.call("link", parent, child, ports)
        return result

    def unlink(self, parent: str, child: str) -> bool:
        return bool(self.call("unlink", parent, child))

    # -- lifetime --------------------------------------------------------------------------

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments that build this stack again (for another process)."""
        return {
            "state_dir": self.state_dir,
            "driver": self.specs["plugnet.drivers"],
            "firewall": self.specs["plugnet.firewall"],
            "ipam": self.specs["plugnet.ipam"],
            "config": self.config,
            "host": self.host_netns,
            "mode": self.mode,
        }

    def reopened(self) -> PluginStack:
        """A new stack on the same state dir and plugins: the next short-lived process."""
        return PluginStack(**self.arguments())

    def close(self) -> None:
        """Unregister the plugins and close the state store (touches no kernel object)."""
        for loaded in list(self.plugin_host.loaded.values()):
            if self.plugin_host.manager.is_registered(loaded.obj):
                self.plugin_host.manager.unregister(loaded.obj)
        self.state.close()

    def __enter__(self) -> PluginStack:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@contextmanager
def plugin_stack(state_dir: Path, **kwargs: Any) -> Iterator[PluginStack]:
    """:class:`PluginStack` as a context manager function (closes it at the end)."""
    with PluginStack(state_dir, **kwargs) as stack:
        yield stack
