"""The seed's one utility: the controller URL patterns for a views module."""

from collections.abc import Callable
from types import ModuleType
from typing import Any

from django.urls import URLPattern, path, re_path

from .controller.generics import BaseUpdateInfoView, not_found
from .controller.vpn import BaseVpnChecksumView, BaseVpnDownloadConfigView

View = Callable[..., Any]

ENDPOINTS = (
    # (view attribute, url segment, takes the device id)
    ("checksum", "checksum", True),
    ("download_config", "download-config", True),
    ("update_info", "update-info", True),
    ("report_status", "report-status", True),
    ("register", "register", False),
)


def get_controller_urls(views_module: ModuleType) -> list[URLPattern]:
    """URL patterns for the device protocol, served from ``views_module``.

    Each endpoint answers at ``controller/<segment>/`` (the agent's historic
    paths) and at ``controller/device/<segment>/``. The device id is a UUID
    with or without dashes; anything else reaches the view, which answers 404
    with a message. A module without ``update_info`` gets the generic one.

    The last pattern answers every other path under ``controller/`` (a missing
    trailing slash, an unknown endpoint) with a 404 that carries the controller
    header: add your own patterns under ``controller/`` *before* these ones.
    """
    urls = []
    for attribute, segment, with_id in ENDPOINTS:
        view = getattr(views_module, attribute, None)
        if view is None and attribute == "update_info":
            view = _default_update_info(views_module)
        if view is None:
            continue
        for prefix, suffix in (("controller/", ""), ("controller/device/", "device_")):
            name = f"{suffix}{attribute}"
            if with_id:
                urls.append(re_path(rf"^{prefix}{segment}/(?P<pk>[^/]*)/$", view, name=name))
            else:
                urls.append(path(f"{prefix}{segment}/", view, name=name))
    for attribute, segment in VPN_ENDPOINTS:
        view = getattr(views_module, attribute, None) or _default_vpn_view(attribute)
        urls.append(re_path(rf"^controller/vpn/{segment}/(?P<pk>[^/]*)/$", view, name=attribute))
    urls.append(re_path(r"^controller(?:/(?P<rest>[\s\S]*))?$", _not_found(), name=NOT_FOUND))
    return urls


#: the name of the pattern that answers the other paths under ``controller/``
NOT_FOUND = "not_found"


def _not_found() -> View:
    return not_found


# the VPN server agent's endpoints, at controller/vpn/<segment>/<vpn id>/; a views module
# without them gets the generic ones (the Vpn model comes from the app config)
VPN_ENDPOINTS = (("vpn_checksum", "checksum"), ("vpn_download_config", "download-config"))


def _default_vpn_view(attribute: str) -> View:
    view_class = {
        "vpn_checksum": BaseVpnChecksumView,
        "vpn_download_config": BaseVpnDownloadConfigView,
    }[attribute]
    return view_class.as_view()


def _default_update_info(views_module: ModuleType) -> View:
    register = getattr(views_module, "register", None)
    model = getattr(getattr(register, "view_class", None), "model", None)
    return BaseUpdateInfoView.as_view(model=model)
