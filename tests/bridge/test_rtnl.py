"""The lean rtnetlink path takes back a veth it created when the next step is refused."""

from __future__ import annotations

import pytest
from plugnet.core.errors import KernelError
from plugnet.linux import rtnl
from plugnet.linux.netns import entered
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg


def test_a_refused_hairpin_step_deletes_the_veth_just_created(pool, monkeypatch):
    host, container = pool.create("host"), pool.create("ctr")
    host.run("ip", "link", "add", "br9", "type", "bridge")
    index = int(host.run("cat", "/sys/class/net/br9/ifindex").stdout)
    refused = rtnl._request(
        "set vethx up in hairpin mode (refused)",
        ifinfmsg(),
        rtnl.RTM_NEWLINK,
        rtnl.NLM_F_REQUEST | rtnl.NLM_F_ACK,
        {"index": 999999, "attrs": []},  # no such interface: the kernel says ENODEV
    )
    monkeypatch.setattr(rtnl, "_hairpin_up_request", lambda _name: refused)
    with entered(host.name):
        sock = rtnl.RtnlSocket()
    try:
        with pytest.raises(KernelError, match="refused"):
            rtnl.create_veth(
                sock, "vethx", index, container.path, ("eth0", "02:42:0a:00:00:02", 1500)
            )
    finally:
        sock.close()
    assert "vethx" not in host.run("ip", "-o", "link").stdout
    assert "eth0" not in container.run("ip", "-o", "link").stdout
