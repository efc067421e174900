"""Helpers of the VPN and PKI tests: CAs, servers and client templates, made through
the services as the admin makes them (ours, or the sample extension's models)."""

from cryptography import x509

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.pki import certificates as pki
from django_netjsonconfig.vpn import servers as vpns

from .factories import OPENWRT, extra_fields

OPENVPN = "django_netjsonconfig.vpn_backends.OpenVpn"
WIREGUARD = "django_netjsonconfig.vpn_backends.WireGuard"
VXLAN = "django_netjsonconfig.vpn_backends.VxlanWireguard"


def make_ca(name="ca", **fields):
    ca_model = get_model("ca")
    values = {"name": name, "common_name": name, "key_length": 1024, **fields}
    return pki.save_ca(ca_model(**extra_fields(ca_model, **values)))


def make_cert(ca, name="cert", **fields):
    cert_model = get_model("cert")
    values = {"name": name, "common_name": name, "ca": ca, "key_length": 1024, **fields}
    return pki.save_cert(cert_model(**extra_fields(cert_model, **values)))


def make_vpn(backend=OPENVPN, name=None, **fields):
    vpn_model = get_model("vpn")
    values = {"name": name or backend.rsplit(".", 1)[-1].lower(), "host": "vpn.example.com"}
    if backend == OPENVPN and "ca" not in fields:
        values["ca"] = make_ca(f"{values['name']}-ca")
    if backend in (WIREGUARD, VXLAN) and "subnet" not in fields:
        values["subnet"] = "10.0.0.0/24"
    values.update(fields)
    return vpns.save(vpn_model(backend=backend, **extra_fields(vpn_model, **values)))


def make_vpn_template(vpn, name=None, backend=OPENWRT, **fields):
    template_model = get_model("template")
    values = {"name": name or f"{vpn.name}-client", "type": "vpn", "vpn": vpn, **fields}
    template = template_model(backend=backend, **extra_fields(template_model, **values))
    template.full_clean()
    template.save()
    return template


def load_cert(pem):
    return x509.load_pem_x509_certificate(pem.encode())


def client_of(config, vpn=None):
    qs = get_model("vpnclient").objects.filter(config=config)
    if vpn is not None:
        qs = qs.filter(vpn=vpn)
    return qs.select_related("cert", "vpn").get()
