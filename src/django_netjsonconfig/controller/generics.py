"""Generic device-facing views, configured with ``model = Device`` (or ``Config``).

The names an extending app imports from here (the seeds' recipe: subclass a view,
set ``model``). Each view lives in a module of its own: ``base`` (plumbing),
``responses`` (answers and errors), ``polls`` (the poll's full path), ``checksum``,
``download``, ``reports``, ``register`` and ``vpn`` (the VPN server agent's views,
configured with ``model = Vpn``).

Every answer is plain text and carries ``X-Openwisp-Controller: true``, errors
included: the agent checks that header to know it talks to a controller.
"""

from .base import UUID_FORMS, ControllerView, hex_id_bytes, instance_from_values, parse_uuid
from .checksum import FULL_PATH_STEPS, BaseChecksumView
from .download import BaseDownloadConfigView
from .polls import PollView
from .register import BaseRegisterView
from .reports import LEGACY_STATUSES, REPORTABLE_STATUSES, BaseReportStatusView, BaseUpdateInfoView
from .responses import ControllerResponse, Refused, internal_error, not_found
from .vpn import BaseVpnChecksumView, BaseVpnDownloadConfigView, VpnView

__all__ = [
    "FULL_PATH_STEPS",
    "LEGACY_STATUSES",
    "REPORTABLE_STATUSES",
    "UUID_FORMS",
    "BaseChecksumView",
    "BaseDownloadConfigView",
    "BaseRegisterView",
    "BaseReportStatusView",
    "BaseUpdateInfoView",
    "BaseVpnChecksumView",
    "BaseVpnDownloadConfigView",
    "ControllerResponse",
    "ControllerView",
    "PollView",
    "Refused",
    "VpnView",
    "hex_id_bytes",
    "instance_from_values",
    "internal_error",
    "not_found",
    "parse_uuid",
]
