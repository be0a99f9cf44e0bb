"""The routed driver against plugnet's network-driver contract suite.

This is all a driver author writes to run the suite: subclass it and name the
entry point. Run inside plugnet's sandbox (it needs root and makes namespaces):

    python -m plugnet.testing.sandbox -- python -m pytest -q tests
"""

from plugnet.testing.contracts import NetworkDriverContract


class TestRoutedDriver(NetworkDriverContract):
    driver_name = "routed"  # the entry point in plugnet.drivers
