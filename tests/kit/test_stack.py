"""PluginStack loads, configures and drives plugins the way the engine does."""

from plugnet.core.driver import InitReport
from plugnet.core.hookspecs import hookimpl
from plugnet.core.intents import DaemonConfig
from plugnet.testing.stack import Plugin, PluginStack


class FakeDriver:
    name = "fake"

    def __init__(self, context):
        self.context = context
        self.calls = []

    def plan(self):
        return InitReport()

    def init(self):
        self.calls.append("init")
        self.context.log("fake init")
        return InitReport(changes=["nothing really"])

    def resume(self):
        self.calls.append("resume")

    def register_handlers(self, registry):
        registry.register("allocate_interface", lambda request: request)
        registry.register("release_interface", lambda container: container == "c1")

    def status(self):
        return {}

    def teardown(self):
        return InitReport()


class FakeDriverPlugin:
    plugnet_contract = "1.0"
    configured = None

    @hookimpl
    def plugnet_configure(self, config, state):
        FakeDriverPlugin.configured = config

    @hookimpl
    def plugnet_make_driver(self, mode, context):
        return FakeDriver(context) if mode == "fake" else None


def test_loads_configures_and_makes_the_driver(state_dir):
    config = DaemonConfig(icc=False)
    with PluginStack(
        state_dir, driver=Plugin("fake", FakeDriverPlugin), ipam="default", config=config
    ) as stack:
        report = stack.init()
        assert report.changes == ["nothing really"]
        assert stack.driver.context.firewall == "none"
        assert stack.log_lines == ["fake init"]
        assert stack.registry.names() == ["allocate_interface", "release_interface"]
        assert stack.release_interface("c1") is True and stack.release_interface("c2") is False
        assert sorted(stack.plugin_host.loaded) == ["plugnet.drivers", "plugnet.ipam"]
    seen = FakeDriverPlugin.configured
    assert (seen.icc, seen.ipam, seen.firewall_backend) == (False, "default", "none")


def test_reopened_is_a_new_process_on_the_same_state(state_dir):
    with PluginStack(state_dir, driver=Plugin("fake", FakeDriverPlugin)) as first:
        first.init()
        with first.reopened() as later:
            later.resume()
            assert later.driver is not first.driver
            assert later.driver.calls == ["resume"]
            assert later.serves("allocate_interface")


def test_nothing_happens_at_construction(state_dir):
    stack = PluginStack(state_dir, driver="no-such-driver")
    assert not state_dir.exists()
    assert stack.plugin_host.loaded == {}
