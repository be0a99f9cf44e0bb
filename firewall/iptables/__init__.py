"""The iptables firewall backend: Docker 1.2's rules in the legacy tables via python-iptables."""
