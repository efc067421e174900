"""Real Diffie-Hellman parameters for an OpenVPN server, generated in the background.

A new server gets a placeholder group (RFC 7919 ffdhe2048) so that it works at once;
``generate_dh`` replaces it with parameters of its own (``openssl dhparam``, minutes).
"""

import logging
import subprocess
from typing import Any

from django.db import transaction
from django.db.models import F

from .. import signals
from ..apps import get_model
from ..settings import app_settings
from .changes import on_commit_once
from .defaults import PLACEHOLDER_DH
from .server_config import refresh

logger = logging.getLogger(__name__)


def generate_dh(vpn_id: Any) -> bool:
    """Background work: real DH parameters for a server that has the placeholder."""
    vpn_model = get_model("vpn")
    if not vpn_model.objects.filter(pk=vpn_id, dh=PLACEHOLDER_DH).exists():
        return False
    bits = int(app_settings.DH_LENGTH)
    try:
        dh = subprocess.run(
            ["openssl", "dhparam", str(bits)],
            check=True,
            capture_output=True,
            timeout=1200,
        ).stdout.decode()
    except (OSError, subprocess.SubprocessError) as exc:
        logger.warning("DH parameters not generated (%s); the placeholder stays", exc)
        return False
    with transaction.atomic():
        updated = vpn_model.objects.filter(pk=vpn_id, dh=PLACEHOLDER_DH).update(
            dh=dh, render_pending=F("render_pending") + 1
        )
        if updated:
            vpn = vpn_model.objects.get(pk=vpn_id)
            refresh(vpn)
            on_commit_once(signals.vpn_server_modified, vpn)
    return bool(updated)
