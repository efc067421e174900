"""Every URL of the admin (and of the app's operator URLs), requested as an anonymous
visitor, a staff user without permissions, a staff user who may only view, and a staff
user who may add, change and delete, with a real object of each model.

The URLs come from the URL resolver: a URL added later (a new ``get_urls`` view, a
new model in the admin) without an entry in ``MODEL_VIEWS`` or ``SITE_VIEWS`` fails
``test_every_url_has_a_permission_decision``, which names it. Each answer's status
is checked against the table, and no secret of any object (device and VPN server
keys, private keys of CAs, certificates, VPN servers and VPN clients) may appear in a
body served to a user who may not change the object, nor, for anyone, on a page of
an old version, in an export or on a list.

Named ``test_admin_*`` so that it also runs against the sample extension.
"""

import gzip
import io
import tarfile
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from reversion.models import Version

from django_netjsonconfig.apps import get_model, get_optional_model
from django_netjsonconfig.history import versions as history

from ..admin_helpers import form_data
from ..factories import DeviceGroupFactory, TemplateFactory, extra_fields, make_config
from ..fleet_helpers import apply_action
from ..vpn_helpers import (
    OPENVPN,
    WIREGUARD,
    client_of,
    make_ca,
    make_cert,
    make_vpn,
    make_vpn_template,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "none", "view", "change")
LOGIN = "login"  # a redirect to the admin's login page
#: the models of the app that the admin may show; each needs an object below
KINDS = ("device", "config", "template", "devicegroup", "vpn", "ca", "cert", "credentials")
#: models of other apps registered in the admin of the test sites: not ours to decide
FOREIGN_MODELS = {"auth.user", "auth.group", "config.organization", "knox.authtoken"}


@dataclass(frozen=True)
class Expect:
    """What each role gets from one view: a status (``LOGIN``: a redirect to the login
    page), and whether the user who may change the object may see its secrets there."""

    none: int
    view: int
    change: int
    anonymous: object = LOGIN
    method: str = "get"
    change_sees_secrets: bool = False
    variants: tuple = field(default=((),))  # extra URL arguments, one request each

    def status(self, role):
        return getattr(self, role)


#: the views of each model's admin, by URL name without ``<app>_<model>_`` (unnamed
#: URLs by their route); a model lacking one of them simply does not expose it
MODEL_VIEWS = {
    "changelist": Expect(none=403, view=200, change=200),
    "add": Expect(none=403, view=403, change=200),
    "change": Expect(none=403, view=200, change=200, change_sees_secrets=True),
    "<path:object_id>/": Expect(none=302, view=302, change=302),  # to the change page
    "delete": Expect(none=403, view=403, change=200),
    "history": Expect(none=403, view=200, change=200),
    # django-reversion: an old version never shows a secret, whoever looks at it
    "revision": Expect(none=403, view=200, change=200),
    "recoverlist": Expect(none=403, view=403, change=200),
    "recover": Expect(none=403, view=403, change=200),
    # a rendered configuration holds private keys
    "preview": Expect(none=403, view=403, change=200, method="post", change_sees_secrets=True),
    "preview_new": Expect(none=403, view=403, change=200, method="post", change_sees_secrets=True),
    "download": Expect(none=403, view=403, change=200, change_sees_secrets=True),
    # the device list's import, export and bulk jobs
    "import": Expect(none=403, view=403, change=200),
    "export": Expect(none=403, view=200, change=200, variants=(("csv",), ("json",))),
    "bulkjob": Expect(none=403, view=200, change=200),
    "bulkjob_status": Expect(none=403, view=200, change=200),
    # a device's commands: its history for viewers, the form to send one for editors
    # (tests/http/test_admin_commands.py), each command's page and its status (JSON)
    "commands": Expect(none=403, view=200, change=200),
    "command": Expect(none=403, view=200, change=200),
    "command_status": Expect(none=403, view=200, change=200),
    # adopting a device: its running configuration may hold secrets
    "adopt": Expect(none=403, view=403, change=200),
    # certificates are public material, private keys are not
    "certificate": Expect(none=403, view=200, change=200),
    "private_key": Expect(none=403, view=403, change=200, change_sees_secrets=True),
}

#: where a model's view answers otherwise: ``{(kind, view key): Expect}``
MODEL_OVERRIDES = {
    # the add form as it comes lacks a name: the preview reports it
    ("template", "preview_new"): Expect(
        none=403, view=403, change=400, method="post", change_sees_secrets=True
    ),
    ("vpn", "preview_new"): Expect(
        none=403, view=403, change=400, method="post", change_sees_secrets=True
    ),
    # (the sample extension's config admin) a new config lacks its device
    ("config", "preview_new"): Expect(
        none=403, view=403, change=400, method="post", change_sees_secrets=True
    ),
    # a credentials' password or private key is write-only: not even its editor sees it
    ("credentials", "change"): Expect(none=403, view=200, change=200),
}

#: the actions of the lists (posted to the changelist): ``{name: (permission needed,
#: status for the user who has it)}``; 200 an intermediate page or a file, 302 done at
#: once. A user without the permission is not offered the action: a post of it leaves
#: it undone (the list again, or back to it with "No action selected.").
ACTIONS = {
    "delete_selected": ("delete", 200),
    "change_group": ("change", 200),
    "add_templates": ("change", 200),
    "remove_templates": ("change", 200),
    "export_csv": ("view", 200),
    "export_json": ("view", 200),
    "renew_selected": ("change", 302),
    "revoke_selected": ("change", 302),
    "accept_host_keys": ("change", 302),
    "send_command": ("change", 200),
}

#: the admin site's own views, and the app's operator URLs (namespace netjsonconfig)
SITE_VIEWS = {
    "admin:index": Expect(none=200, view=200, change=200),
    "admin:login": Expect(anonymous=200, none=302, view=302, change=302),
    "admin:logout": Expect(anonymous=302, none=200, view=200, change=200, method="post"),
    "admin:password_change": Expect(none=200, view=200, change=200),
    "admin:password_change_done": Expect(none=200, view=200, change=200),
    # the groups a device may have, for those who may see groups (no secret in them)
    "admin:autocomplete": Expect(none=403, view=200, change=200),
    "admin:jsi18n": Expect(none=200, view=200, change=200),
    # the app's models have no page on the site
    "admin:view_on_site": Expect(none=404, view=404, change=404),
    "admin:app_list": Expect(none=404, view=200, change=200),
    "admin:(?P<url>.*)$": Expect(none=404, view=404, change=404),
    # the JSON schemas of the backends: for staff, nothing secret
    "netjsonconfig:schema": Expect(none=200, view=200, change=200),
    # a CRL is public: VPN servers fetch it
    "netjsonconfig:crl": Expect(anonymous=200, none=200, view=200, change=200),
    # each staff user's own notifications (tests/http/test_admin_notifications.py); the
    # one marked read here is another user's: not found for anybody
    "netjsonconfig:notifications": Expect(none=200, view=200, change=200),
    "netjsonconfig:notification_read": Expect(none=404, view=404, change=404, method="post"),
    "netjsonconfig:notifications_read_all": Expect(none=302, view=302, change=302, method="post"),
    "netjsonconfig:notification_settings": Expect(none=200, view=200, change=200),
}


# --- the URLs, from the resolver -------------------------------------------------------------
def _walk(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns)
        else:
            yield pattern


def _key(pattern, prefix=""):
    if pattern.name:
        return pattern.name[len(prefix) :] if pattern.name.startswith(prefix) else pattern.name
    return str(pattern.pattern)


def model_urls():
    """``[(model, kind or None, view key)]`` of every model registered in the admin."""
    kinds = {get_optional_model(kind): kind for kind in KINDS}
    out = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        prefix = f"{opts.app_label}_{opts.model_name}_"
        for pattern in _walk(model_admin.urls):
            out.append((model, kinds.get(model), _key(pattern, prefix)))
    return out


def model_actions():
    """``[(model, kind, action name)]`` of the lists of the app's models."""
    kinds = {get_optional_model(kind): kind for kind in KINDS}
    return [
        (model, kinds[model], name)
        for model, model_admin in admin.site._registry.items()
        if model in kinds
        for _func, name, _description in model_admin._get_base_actions()
    ]


def site_urls():
    """The keys of the admin site's own URLs and of the app's operator URLs."""
    keys = [
        f"admin:{_key(pattern)}"
        for pattern in admin.site.get_urls()
        if isinstance(pattern, URLPattern)  # the models' URLs are included resolvers
    ]
    resolver = get_resolver()
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver) and item.namespace == "netjsonconfig":
            keys += [f"netjsonconfig:{_key(p)}" for p in _walk(item.url_patterns)]
    return keys


def _label(model):
    return f"{model._meta.app_label}.{model._meta.model_name}"


def test_every_url_has_a_permission_decision():
    unknown = []
    for model, kind, key in model_urls():
        if kind is None:
            if _label(model) not in FOREIGN_MODELS:
                unknown.append(f"model {_label(model)}: registered in the admin, not in KINDS")
        elif key not in MODEL_VIEWS:
            unknown.append(f"{_label(model)} view {key!r}: add it to MODEL_VIEWS")
    unknown += [
        f"site URL {key!r}: add it to SITE_VIEWS" for key in site_urls() if key not in SITE_VIEWS
    ]
    unknown += [
        f"{_label(model)} action {name!r}: add it to ACTIONS"
        for model, _kind, name in model_actions()
        if name not in ACTIONS
    ]
    assert not unknown, "URLs without a permission decision:\n" + "\n".join(unknown)
    # and the table names no view that no longer exists
    exposed = {key for _m, kind, key in model_urls() if kind}
    assert set(MODEL_VIEWS) - exposed <= {"revision", "recover", "recoverlist"}, (
        set(MODEL_VIEWS) - exposed
    )


# --- the objects and their secrets -----------------------------------------------------------
def _pem_body(pem):
    """A line of a PEM's base64 body: unique to that key."""
    return pem.strip().splitlines()[2]


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """One object of each model (and a version, a deleted object, a bulk job), and
    ``secrets``: ``{description: value}`` of every secret among them."""
    ca = make_ca("perm-ca")
    cert = make_cert(ca, "perm-cert")
    openvpn = make_vpn(OPENVPN, name="perm-openvpn", ca=ca)
    wireguard = make_vpn(WIREGUARD, name="perm-wg")
    vpn_template = make_vpn_template(wireguard)
    TemplateFactory(name="perm-plain")
    group = DeviceGroupFactory(name="perm-group")
    config = make_config(templates=[vpn_template])
    device = config.device
    device.group = group
    device.save()
    client = client_of(config, wireguard)
    gone = make_config()
    gone_vpn = make_vpn(WIREGUARD, name="perm-wg-gone", subnet="10.9.0.0/24")
    secrets = {
        "device key": device.key,
        "deleted device key": gone.device.key,
        "OpenVPN server key": openvpn.key,
        "WireGuard server key": wireguard.key,
        "WireGuard server private key": wireguard.private_key,
        "deleted server key": gone_vpn.key,
        "deleted server private key": gone_vpn.private_key,
        "VPN client private key": client.private_key,
        "CA private key": _pem_body(ca.private_key),
        "certificate private key": _pem_body(cert.private_key),
        "OpenVPN server certificate private key": _pem_body(openvpn.cert.private_key),
        "a PEM private key": "PRIVATE KEY-----",
    }
    credentials = get_model("credentials")(
        **extra_fields(
            get_model("credentials"),
            name="perm-ssh",
            params={"username": "root", "password": "perm-ssh-password-1"},
        )
    )
    credentials.save()
    connection = get_model("deviceconnection")(
        device=device, credentials=credentials, update_strategy="openwrt"
    )
    connection.save()
    secrets["SSH password"] = "perm-ssh-password-1"
    stored = (
        get_model("credentials").objects.values_list("params", flat=True).get(pk=credentials.pk)
    )
    secrets["SSH password, encrypted"] = stored["password"]
    assert all(secrets.values())
    objects = {
        "device": device,
        "config": config,
        "template": vpn_template,
        "devicegroup": group,
        "vpn": wireguard,
        "ca": ca,
        "cert": cert,
        "credentials": credentials,
    }
    versions, deleted = {}, {}
    for kind, obj in objects.items():
        model = type(obj)
        if history.is_versioned(model):
            history.snapshot(obj, "A version.")
            versions[kind] = Version.objects.get_for_object(obj).first()
    with django_capture_on_commit_callbacks(execute=True):
        for kind, obj in (("device", gone.device), ("vpn", gone_vpn)):
            if history.is_versioned(type(obj)):
                history.snapshot(obj, "Before deletion.")
            pk = obj.pk
            obj.delete()
            if history.is_versioned(type(obj)):
                deleted[kind] = Version.objects.get_deleted(type(obj)).get(object_id=str(pk))
        for kind, factory in (("template", TemplateFactory), ("devicegroup", DeviceGroupFactory)):
            obj = factory(name=f"perm-deleted-{kind}")
            pk = obj.pk
            obj.delete()  # a version is saved on deletion
            if history.is_versioned(type(obj)):
                deleted[kind] = Version.objects.get_deleted(type(obj)).get(object_id=str(pk))
    job = get_model("bulkjob").objects.create(action="delete", total=0)
    command = get_model("command").objects.create(
        device=device, type="reboot", status="success", output="done"
    )
    someone = get_user_model().objects.create_user("perm-someone-else", is_staff=True)
    notification = get_model("notification").objects.create(
        recipient=someone, type="config_error", message="not yours"
    )
    return {
        "notification": notification,
        "objects": objects,
        "versions": versions,
        "deleted": deleted,
        "job": job,
        "command": command,
        "ca": ca,
        "secrets": secrets,
    }


# --- the users -------------------------------------------------------------------------------
def _permissions(actions):
    out = []
    for kind in KINDS:
        model = get_optional_model(kind)
        if model is None:
            continue
        content_type = ContentType.objects.get_for_model(model)
        for action in actions:
            out.append(
                Permission.objects.get(
                    content_type=content_type, codename=f"{action}_{model._meta.model_name}"
                )
            )
    return out


def client_for(role):
    client = Client()
    if role == "anonymous":
        return client
    user = get_user_model().objects.filter(username=f"perm-{role}").first()
    if user is not None:
        client.force_login(user)
        return client
    user = get_user_model().objects.create_user(
        f"perm-{role}", password="perm-pass-1234", is_staff=True
    )
    if role == "view":
        user.user_permissions.add(*_permissions(("view",)))
    elif role == "change":
        user.user_permissions.add(*_permissions(("view", "add", "change", "delete")))
    client.force_login(user)
    return client


# --- the requests ----------------------------------------------------------------------------
def _url_args(kind, key, world):
    obj = world["objects"].get(kind)
    if key in ("revision",):
        version = world["versions"].get(kind)
        return None if version is None else [obj.pk, version.pk]
    if key == "recover":
        version = world["deleted"].get(kind)
        return None if version is None else [version.pk]
    if key in ("bulkjob", "bulkjob_status"):
        return [world["job"].pk]
    if key in ("command", "command_status"):
        return [obj.pk, world["command"].pk]
    if key in ("changelist", "add", "recoverlist", "import", "preview_new", "export"):
        return []
    return [obj.pk]


def _body(response):
    if response.streaming:
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    if content[:2] == b"\x1f\x8b":  # an archive: its files
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(content))) as tar:
            content = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    return content.decode("utf-8", "replace")


def _post_data(client_change, url, method):
    """What the page of the preview would post: the change (or add) form, unchanged."""
    if method != "post" or "/preview/" not in url:
        return {}
    page = url.replace("add/preview/", "add/").replace("/preview/", "/change/")
    response = client_change.get(page)
    assert response.status_code == 200, page
    return form_data(response)


def _action_refused(response):
    """Whether the post of an action left it undone: the list again (no action offered
    to this user), or back to it with "No action selected." (not among those offered)."""
    if response.status_code == 200:
        return "cl" in (response.context or {})
    said = [str(m) for m in response.wsgi_request._messages]
    return response.status_code == 302 and "No action selected." in said


def _status_ok(response, expected):
    if expected == LOGIN:
        return response.status_code == 302 and "/login/" in response["Location"]
    return response.status_code == expected


def model_requests(world):
    """``[(description, url, Expect)]`` of every view of every model of the app."""
    out = []
    for model, kind, key in model_urls():
        if kind is None:
            continue
        expect = MODEL_OVERRIDES.get((kind, key), MODEL_VIEWS[key])
        args = _url_args(kind, key, world)
        if args is None:
            continue
        opts = model._meta
        for variant in expect.variants:
            if key.startswith("<"):
                url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=args)
                url = url[: -len("change/")]
            else:
                name = f"admin:{opts.app_label}_{opts.model_name}_{key}"
                url = reverse(name, args=[*args, *variant])
            out.append((f"{_label(model)} {key} {' '.join(variant)}".strip(), url, expect))
    return out


def site_requests(world):
    device = world["objects"]["device"]
    opts = device._meta
    content_type = ContentType.objects.get_for_model(type(device))
    urls = {
        "admin:index": reverse("admin:index"),
        "admin:login": reverse("admin:login"),
        "admin:logout": reverse("admin:logout"),
        "admin:password_change": reverse("admin:password_change"),
        "admin:password_change_done": reverse("admin:password_change_done"),
        "admin:autocomplete": reverse("admin:autocomplete")
        + f"?app_label={opts.app_label}&model_name={opts.model_name}&field_name=group&term=p",
        "admin:jsi18n": reverse("admin:jsi18n"),
        "admin:view_on_site": reverse("admin:view_on_site", args=[content_type.pk, device.pk]),
        "admin:app_list": reverse("admin:app_list", args=[opts.app_label]),
        "admin:(?P<url>.*)$": reverse("admin:index") + "no-such-page/",
        "netjsonconfig:schema": reverse("netjsonconfig:schema"),
        "netjsonconfig:crl": reverse("netjsonconfig:crl", args=[world["ca"].pk]),
        "netjsonconfig:notifications": reverse("netjsonconfig:notifications"),
        "netjsonconfig:notification_read": reverse(
            "netjsonconfig:notification_read", args=[world["notification"].pk]
        ),
        "netjsonconfig:notifications_read_all": reverse("netjsonconfig:notifications_read_all"),
        "netjsonconfig:notification_settings": reverse("netjsonconfig:notification_settings"),
    }
    return [(key, urls[key], SITE_VIEWS[key]) for key in site_urls()]


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_decided_and_shows_no_secret(role, world):
    change_client = client_for("change") if role != "change" else None
    client = client_for(role)
    change_client = change_client or client
    failures, seen = [], 0
    for description, url, expect in model_requests(world) + site_requests(world):
        data = _post_data(change_client, url, expect.method) if role == "change" else {}
        response = getattr(client, expect.method)(url, data)
        seen += 1
        expected = expect.status(role)
        if not _status_ok(response, expected):
            location = response.get("Location", "")
            failures.append(
                f"{description} ({expect.method.upper()} {url}): {response.status_code} "
                f"{location}, expected {expected}"
            )
        may_see = role == "change" and expect.change_sees_secrets
        if not may_see:
            body = _body(response)
            shown = [label for label, value in world["secrets"].items() if value in body]
            if shown:
                failures.append(f"{description} ({url}) shows to {role}: {', '.join(shown)}")
        if description == "admin:logout" and role != "anonymous":
            client = client_for(role)  # logged out: in again
    for model, kind, name in model_actions():
        permission, allowed_status = ACTIONS[name]
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        obj = world["objects"][kind]
        response = client.post(
            url, {"action": name, "index": "0", "_selected_action": [str(obj.pk)]}
        )
        seen += 1
        allowed = role == "change" or (role == "view" and permission == "view")
        description = f"{_label(model)} action {name}"
        if role == "view" and not allowed:
            if not _action_refused(response):
                failures.append(f"{description}: run for a {role} user")
        else:
            expected = {"anonymous": LOGIN, "none": 403}.get(role, allowed_status)
            if not _status_ok(response, expected):
                failures.append(f"{description}: {response.status_code}, expected {expected}")
        body = _body(response)
        shown = [label for label, value in world["secrets"].items() if value in body]
        if shown:
            failures.append(f"{description} shows to {role}: {', '.join(shown)}")
    assert seen > 40
    assert not failures, f"{len(failures)} wrong answers:\n" + "\n".join(failures)


def test_secrets_are_shown_where_the_change_permission_allows_it(world):
    """The check above would pass if the secrets were never rendered at all: they are,
    to the user who may change the object."""
    client = client_for("change")
    device, ca = world["objects"]["device"], world["ca"]
    page = _body(client.get(reverse(_name(device, "change"), args=[device.pk])))
    assert world["secrets"]["device key"] in page
    page = _body(client.get(reverse(_name(ca, "change"), args=[ca.pk])))
    assert world["secrets"]["CA private key"] in page
    pem = _body(client.get(reverse(_name(ca, "private_key"), args=[ca.pk])))
    assert world["secrets"]["a PEM private key"] in pem


def _name(obj, view):
    return f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}"


def test_a_view_only_user_cannot_apply_a_bulk_action(world):
    """The post of an action's intermediate page ("Apply") is refused as well: the
    device keeps its group and its templates, and is not deleted."""
    client = client_for("view")
    device = world["objects"]["device"]
    config_model = get_model("config")
    templates = list(config_model.objects.get(device=device).templates.all())
    other_group = DeviceGroupFactory(name="perm-other-group")
    extra = TemplateFactory(name="perm-extra")
    for action, data in (
        ("change_group", {"group": str(other_group.pk)}),
        ("add_templates", {"templates": str(extra.pk)}),
        ("remove_templates", {"templates": ",".join(str(t.pk) for t in templates)}),
        ("delete_selected", {"post": "yes"}),
    ):
        response = apply_action(client, action, [device], **data)
        assert _action_refused(response), action
    device.refresh_from_db()
    assert device.group == world["objects"]["devicegroup"]
    assert list(config_model.objects.get(device=device).templates.all()) == templates
