"""``cryptography`` (several MB of memory per process) is imported only when a PKI
operation needs it: a web worker that starts Django, loads the admin and the URLs and
serves the devices' polls never imports it."""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from cryptography import x509

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.pki import certificates as pki

from ..basics import ROOT
from ..factories import extra_fields

# a fresh interpreter: Django's start-up as a web worker's, then a first PKI operation
SCRIPT = textwrap.dedent(
    """
    import json
    import sys
    import uuid

    import django

    django.setup()

    from django.contrib import admin
    from django.core.wsgi import get_wsgi_application
    from django.urls import get_resolver, resolve, reverse

    def loaded():
        return sorted(m for m in sys.modules if m.split(".")[0] == "cryptography")

    get_wsgi_application()
    admin.autodiscover()

    def walk(patterns):  # imports every include()d URLconf, and the admins' URLs
        for pattern in patterns:
            walk(getattr(pattern, "url_patterns", ()))

    walk(get_resolver().url_patterns)
    for name in ("controller:checksum", "controller:device_checksum"):
        resolve(reverse(name, args=[uuid.uuid4()]))

    import django_netjsonconfig.base.admin
    import django_netjsonconfig.base.pki
    import django_netjsonconfig.pki.certificates
    import django_netjsonconfig.vpn.clients
    import django_netjsonconfig.vpn.servers
    import django_netjsonconfig.views
    import django_netjsonconfig.vpn_backends

    at_start = loaded()

    from django_netjsonconfig.apps import get_model
    from django_netjsonconfig.pki import certificates as pki

    ca = get_model("ca")(name="lazy", common_name="lazy", key_length=1024)
    pki.generate_ca(ca)
    private, public = pki.wireguard_keys()
    print(json.dumps({
        "at_start": at_start,
        "after_pki": "cryptography" in sys.modules,
        "ca": ca.certificate.startswith("-----BEGIN CERTIFICATE-----"),
        "wireguard": pki.is_wireguard_pair(private, public),
    }))
    """
)


def run_fresh(settings_module):
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = settings_module
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, sys.path)])
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("settings_module", ["tests.settings", "tests.sample_extension.settings"])
def test_django_start_up_admin_and_urls_do_not_import_cryptography(settings_module):
    result = run_fresh(settings_module)

    assert result["at_start"] == []
    # the first PKI operation imports it, and works
    assert result["after_pki"]
    assert result["ca"]
    assert result["wireguard"]


@pytest.mark.django_db
def test_pki_operations_still_work_in_process():
    ca_model, cert_model = get_model("ca"), get_model("cert")
    ca_fields = extra_fields(ca_model, name="ca", common_name="ca", key_length=1024)
    ca = pki.save_ca(ca_model(**ca_fields))
    cert = pki.save_cert(
        cert_model(
            **extra_fields(
                cert_model,
                name="client",
                common_name="client",
                ca=ca,
                key_length=1024,
                digest="sha384",
                extensions=[{"name": "nsCertType", "value": "client"}],
            )
        )
    )
    pki.revoke(cert)

    certificate = x509.load_pem_x509_certificate(cert.certificate.encode())
    ca_certificate = x509.load_pem_x509_certificate(ca.certificate.encode())
    assert pki.issued_by(certificate, ca_certificate)
    assert certificate.signature_hash_algorithm.name == "sha384"
    assert certificate.subject.rfc4514_string() == "CN=client"
    crl = x509.load_pem_x509_crl(pki.crl(ca))
    assert crl.get_revoked_certificate_by_serial_number(int(cert.serial_number)) is not None
