"""What a new VPN server starts with: its NetJSON, placeholder DH parameters and keys."""

from typing import Any

from django.utils.text import slugify

from .kinds import kind
from .names import variable

# RFC 7919 ffdhe2048: a sound group, used until the server's own parameters are generated
PLACEHOLDER_DH = """-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
"""
PLACEHOLDER_WG_KEY = "A" * 43 + "="


def default_config(vpn: Any) -> dict[str, Any]:
    """The NetJSON a new server starts with when none is given."""
    name = (slugify(vpn.name) or "vpn")[:15]
    current = kind(vpn)
    if current == "openvpn":
        return {
            "openvpn": [
                {
                    "name": name,
                    "mode": "server",
                    "proto": "udp",
                    "port": 1194,
                    "dev": "tun0",
                    "dev_type": "tun",
                    "ca": "ca.pem",
                    "cert": "cert.pem",
                    "key": "key.pem",
                    "dh": "dh.pem",
                    "tls_server": True,
                    "server": "10.8.0.0 255.255.255.0",
                    "keepalive": "10 120",
                    "persist_key": True,
                    "persist_tun": True,
                    "remote_cert_tls": "client",
                }
            ],
            "files": [
                {"path": path, "mode": "0600", "contents": variable(var)}
                for path, var in (
                    ("ca.pem", "ca"),
                    ("cert.pem", "cert"),
                    ("key.pem", "key"),
                    ("dh.pem", "dh"),
                )
            ],
        }
    if current in ("wireguard", "vxlan"):
        config: dict[str, Any] = {"wireguard": [{"name": "wg0", "port": 51820}]}
        if current == "vxlan":
            config["vxlan"] = [{"name": "vxlan", "vni": ""}]
        return config
    return {}
