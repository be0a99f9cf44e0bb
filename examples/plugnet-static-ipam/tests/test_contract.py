"""The static allocator against plugnet's allocator contract suite."""

from ipaddress import IPv4Interface

from plugnet.testing.contracts import SubnetAllocatorContract


class TestStaticAllocator(SubnetAllocatorContract):
    ipam_name = "static"  # the entry point in plugnet.ipam
    docker_order = False  # addresses come in the list's order, not network+2 first
    # The default list is 172.17.0.100-172.17.0.119: a /28 holding part of it.
    small_network = IPv4Interface("172.17.0.97/28")
