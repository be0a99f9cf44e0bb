"""What is particular to the routed driver: no bridge, a /32 host route per container."""

from ipaddress import IPv4Address

from plugnet.core.intents import AttachRequest
from plugnet.testing.echo import EchoServer, tcp_echo
from plugnet.testing.stack import PluginStack


def test_containers_talk_through_host_routes_and_no_bridge_exists(
    state_dir, host_netns, container_netns, hook_recorder
):
    with PluginStack(state_dir, driver="routed", ipam="default", host=host_netns) as stack:
        stack.init()
        recorder = hook_recorder(stack.plugin_host.manager)
        c1, c2 = container_netns("c1"), container_netns("c2")
        one = stack.allocate_interface(AttachRequest("c1", c1.path))
        two = stack.allocate_interface(AttachRequest("c2", c2.path))
        recorder.assert_called("plugnet_request_ip")
        assert one.gateway == IPv4Address("169.254.1.1") and one.prefixlen == 32
        routes = host_netns.run("ip", "route", "show").stdout
        assert f"{one.ip} dev {one.host_ifname}" in routes
        assert "type bridge" not in host_netns.run("ip", "-d", "link", "show").stdout
        with EchoServer(c2.name, 9000, name="c2"):
            assert tcp_echo(c1.name, str(two.ip), 9000) == f"c2|peer={one.ip}|ping"
        stack.release_interface("c1")
        recorder.assert_called("plugnet_release_owner", owner="c1")
        stack.teardown()
