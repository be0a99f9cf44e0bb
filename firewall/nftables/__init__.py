"""The nftables firewall backend: table ``ip plugnet`` written through libnftables JSON."""
