"""VPN servers, their clients, addresses and subnet division."""
