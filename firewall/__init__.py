"""plugnet firewall: built-in plugins of this kind."""
