"""HookRecorder records hook calls of a plugin host, as pytest's does."""

from ipaddress import IPv4Address, IPv4Interface

import pytest
from plugnet.core.errors import Exhausted
from plugnet.core.hookspecs import hookimpl
from plugnet.core.intents import IPRequest
from plugnet.core.plugins import PluginHost
from plugnet.testing.recorder import HookRecorder
from plugnet.testing.stack import Plugin

NET = IPv4Interface("10.0.0.1/24")


class TinyAllocator:
    """Just enough of an allocator to be called."""

    plugnet_contract = "1.0"

    @hookimpl
    def plugnet_request_ip(self, request):
        if request.owner == "full":
            raise Exhausted("no available ip addresses on network")
        return IPv4Address("10.0.0.2")

    @hookimpl
    def plugnet_release_ip(self, network, owner):
        return None


@pytest.fixture
def host():
    made = PluginHost()
    made.register("plugnet.tests", Plugin("tiny", TinyAllocator).record("x"), TinyAllocator)
    return made


def test_records_name_arguments_plugins_and_result(host):
    with HookRecorder(host.manager) as recorder:
        host.hooks.request_ip(IPRequest(NET, "c1"))
        host.hooks.release_ip(NET, "c1")
    (call,) = recorder.calls("plugnet_request_ip")
    assert call.result == IPv4Address("10.0.0.2")
    assert call.plugins == ("plugnet.tests:tiny",)
    assert recorder.names() == ["plugnet_request_ip", "plugnet_release_ip"]
    assert recorder.assert_called("plugnet_release_ip", owner="c1").kwargs["network"] == NET


def test_records_exceptions(host):
    recorder = HookRecorder(host.manager)
    with pytest.raises(Exhausted):
        host.hooks.request_ip(IPRequest(NET, "full"))
    (call,) = recorder.calls("plugnet_request_ip")
    assert isinstance(call.exception, Exhausted) and call.result is None


def test_assert_called_lists_what_was_called(host):
    recorder = HookRecorder(host.manager)
    host.hooks.release_ip(NET, "c1")
    with pytest.raises(AssertionError, match=r"(?s)owner='c2'.*recorded calls:.*owner='c1'"):
        recorder.assert_called("plugnet_release_ip", owner="c2")
    with pytest.raises(AssertionError, match="was called 1 time"):
        recorder.assert_not_called("plugnet_release_ip")


def test_clear_and_finish_recording(host):
    recorder = HookRecorder(host.manager)
    host.hooks.release_ip(NET, "c1")
    recorder.clear()
    assert recorder.calls() == []
    recorder.finish_recording()
    host.hooks.release_ip(NET, "c1")
    assert recorder.calls() == []
    recorder.finish_recording()  # twice is fine
