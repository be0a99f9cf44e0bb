"""The leaky driver against the contract suite: this run is EXPECTED TO FAIL.

scripts/test-examples.sh checks that it fails, and that the failure names the
broken rule (release_interface must delete the host veth).
"""

from plugnet.testing.contracts import NetworkDriverContract


class TestLeakyDriver(NetworkDriverContract):
    driver_name = "leaky"
