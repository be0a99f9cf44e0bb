"""plugnet-future: two plugins that show how plugnet negotiates the contract version.

- ``future`` (a driver) declares ``plugnet_contract = "2.0"``: plugnet speaks 1.x,
  so it refuses the plugin at load time, naming the plugin, its distribution and
  both versions (``plugnet plugins`` lists it as failed with that reason).
- ``minimal`` (a firewall backend) declares ``"1.0"`` and implements only the
  required hooks, leaving out the optional ``plugnet_firewall_reapply`` and
  ``plugnet_firewall_plan``: it loads, and plugnet falls back where a hook is
  missing.
"""
