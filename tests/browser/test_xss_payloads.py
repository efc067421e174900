"""Script payloads stored in every field the admin edits, every admin page opened in
Chromium: no script from data runs.

Each payload calls ``xss(n)``, a function the browser context defines before any
page script: it sets ``window.__xss``, which must stay undefined; ``n`` names the
field the payload was stored in. A dialog (``alert``) fails the test too. The admin
pages carry a Content-Security-Policy that forbids inline script, so a payload that
reached the page as markup is also blocked and reported: any violation of the policy,
any console error or uncaught exception fails the test as well, so that an escaping
mistake is caught even where the policy saved the day. No element may carry a
``javascript:`` URL either.

The payloads are stored with the ORM, past the forms' validation, as an import, a
registering device, an older version or another application could store them.
"""

import json
from urllib.parse import urlencode, urlsplit

import pytest
import reversion
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.notifications import notify

from ..admin_helpers import admin_url
from ..factories import OPENWRT, DeviceFactory, DeviceGroupFactory, TemplateFactory, make_config
from ..fleet_helpers import changelist_url, job_url
from ..vpn_helpers import OPENVPN, make_ca, make_cert, make_vpn
from .conftest import Console
from .helpers import field, posted_config, wait_editor, wait_posted

pytestmark = pytest.mark.django_db(transaction=True)

# defined in every page before its own scripts (Playwright's init scripts are not
# subject to the page's policy); records the violations of the policy as well
INIT_SCRIPT = """
window.xss = function (n) {
  window.__xss = (window.__xss || []).concat([String(n)]);
};
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(
    e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)') + ' in ' +
    (e.sourceFile || e.documentURI) + ':' + e.lineNumber + ' ' + (e.sample || '')
  );
});
"""

# attributes whose value a browser may run as a URL
JAVASCRIPT_URLS = """() => {
  const names = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster'];
  const found = [];
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      const value = attribute.value.replace(/[\\s\\u0000-\\u001f]+/g, '').toLowerCase();
      if (names.includes(attribute.name.toLowerCase()) && value.startsWith('javascript:')) {
        found.push(element.tagName + ' ' + attribute.name + '=' + attribute.value);
      }
    }
  }
  return found;
}"""


class Payloads:
    """Payloads that call ``xss(n)``; ``self.where[n]`` names the field of each."""

    def __init__(self):
        self.where = {}

    def __call__(self, where, size=None):
        n = len(self.where) + 1
        self.where[n] = where
        call = f"xss({n})"
        candidates = (
            # markup, an attribute break-out, template syntaxes, a script URL
            f'<img src=x onerror={call}><script>{call}</script>"><svg onload={call}>'
            f"'><details open ontoggle={call}>{{{{{call}}}}}${{{call}}}javascript:{call}",
            f'"><img src=x onerror={call}><script>{call}</script>',
            f'"><img src=x onerror={call}>',
            f"<svg onload={call}>",
        )
        for payload in candidates:
            if size is None or len(payload) <= size:
                return payload
        raise ValueError(f"no payload fits in {size} characters")

    def url(self, where):
        """A value a page could turn into a link."""
        n = len(self.where) + 1
        self.where[n] = where
        return f"javascript:xss({n})"

    def names(self, numbers):
        return [f"{n}: {self.where.get(int(n), '?')}" for n in numbers]


def file_config(P, where):
    """A NetJSON configuration with payloads in its text values and in a file."""
    return {
        "general": {"description": P(f"{where} general.description")},
        "files": [
            {
                "path": "/etc/motd",
                "mode": "0644",
                "contents": P(f"{where} files[0].contents"),
            }
        ],
    }


def stored_objects(P, operator):
    """Every model the admin edits, with a payload in each field it lets one edit (and
    in the fields filled by devices, jobs, revisions and the log)."""
    device_model = get_model("device")
    evil = get_user_model().objects.create_user(
        username=P("user.username", 150),
        first_name=P("user.first_name", 150),
        last_name=P("user.last_name", 150),
    )
    with reversion.create_revision():
        reversion.set_user(evil)
        reversion.set_comment(P("revision comment"))
        ca = make_ca(
            name=P("ca.name", 64),
            common_name=P("ca.common_name", 64),
            notes=P("ca.notes"),
            state=P("ca.state", 64),
            city=P("ca.city", 64),
            organization_name=P("ca.organization_name", 64),
            organizational_unit_name=P("ca.organizational_unit_name", 64),
        )
        cert = make_cert(
            ca,
            name=P("cert.name", 64),
            common_name=P("cert.common_name", 64),
            notes=P("cert.notes"),
            city=P("cert.city", 64),
            organization_name=P("cert.organization_name", 64),
        )
        vpn = make_vpn(OPENVPN, name="office-vpn", ca=ca, cert=cert)
        template = TemplateFactory(
            name=P("template.name", 64),
            config=file_config(P, "template.config"),
            default_values={"template_var": P("template.default_values value")},
            tags=[P("template.tags", 60)],
            notes=P("template.notes"),
        )
        vpn_template = TemplateFactory(
            name=P("vpn template.name", 64), type="vpn", vpn=vpn, auto_cert=True, config={}
        )
        group = DeviceGroupFactory(
            name=P("group.name", 60),
            description=P("group.description"),
            context={"group_var": P("group.context value"), P("group.context key"): "x"},
            meta_data={P("group.meta_data key"): P("group.meta_data value")},
        )
        group.templates.set([template])
        # a device whose name is no hostname: its configuration cannot render
        bad = DeviceFactory(
            name=P("device.name", 64),
            hardware_id=P("device.hardware_id", 32),
            model=P("device.model", 64),
            os=P("device.os", 128),
            system=P("device.system", 128),
            notes=P("device.notes"),
            group=group,
        )
        make_config(
            bad,
            config={
                "general": {"description": P("device.config general.description")},
                "files": [
                    *file_config(P, "device.config")["files"],
                    # a property the schema does not allow: the editor's message names it
                    {
                        "path": "/etc/x",
                        "mode": "0644",
                        "contents": "x",
                        P("device.config files[1] key"): "x",
                    },
                ],
                "interfaces": [{"name": "eth0", "type": "ethernet", "mac": "{{ device_var }}"}],
                # an object the schema does not know: its key becomes a title in the form
                "custom": {P("device.config key"): P("device.config custom value")},
            },
            context={"device_var": P("device.context value"), P("device.context key"): "x"},
            templates=[template, vpn_template],
        )
        # a device that renders: its preview shows the files with their payloads
        good = DeviceFactory(
            name="router-2",
            model=P.url("device.model (URL)"),
            os=P("device.os", 128),
            system=P("device.system", 128),
            notes=P("device.notes"),
        )
        make_config(
            good,
            config=file_config(P, "device 2 config"),
            context={"device_var": P("device 2 context value")},
            templates=[template],
        )
        # one more device, deleted: the "recover deleted" pages list it
        deleted = DeviceFactory(
            name=P("deleted device.name", 64), model=P("deleted device.model", 64)
        )
    with reversion.create_revision():
        reversion.set_user(evil)
        reversion.set_comment(P("deletion comment"))
        device_model.objects.get(pk=deleted.pk).delete()
    # what the server writes itself, from data: the render error, the VPN's fields
    config_model = get_model("config")
    config_model.objects.filter(device=bad).update(
        status="error", error_reason=P("config.error_reason", 500)
    )
    # (not division_label: a label turns on subnet division, whose other fields the
    # form requires along with it; the form refuses a label that is not a name)
    vpn_config = {**vpn.config, "files": [*vpn.config.get("files", [])]}
    vpn_config["files"].append(
        {"path": "/etc/motd", "mode": "0644", "contents": P("vpn.config files contents")}
    )
    get_model("vpn").objects.filter(pk=vpn.pk).update(
        notes=P("vpn.notes"), host=P("vpn.host", 64), config=vpn_config
    )
    get_model("ca").objects.filter(pk=ca.pk).update(
        extensions=[{"name": P("ca.extensions name"), "critical": False, "value": P("ca ext")}]
    )
    # the admin's log: the history of unversioned models, the operator's recent actions
    for obj, user in ((ca, evil), (cert, operator), (bad, operator)):
        LogEntry.objects.create(
            user=user,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=P(f"{type(obj).__name__} log object_repr", 200),
            action_flag=CHANGE,
            change_message=P(f"{type(obj).__name__} log change_message"),
        )
    job_model = get_model("bulkjob")
    job = job_model.objects.create(
        action="change_group",
        params={"group": P("job.params")},
        device_ids=[str(bad.pk)],
        total=1,
        status="running",
        message=P("job.message"),
        result={"errors": [P("job.result")]},
        user=evil,
    )
    return {
        "bad": bad,
        "good": good,
        "template": template,
        "vpn_template": vpn_template,
        "group": group,
        "vpn": get_model("vpn").objects.get(pk=vpn.pk),
        "ca": ca,
        "cert": cert,
        "job": job,
        "user": evil,
    }


class Admin:
    """Opens admin pages and checks each: no payload ran, no dialog, no violation of the
    policy, no script error, no ``javascript:`` URL, the policy header present."""

    def __init__(self, page, payloads):
        self.page = page
        self.payloads = payloads
        self.dialogs = []
        page.context.add_init_script(INIT_SCRIPT)  # every page of the context, tabs too
        page.context.on("dialog", self._dialog)
        page.context.on("page", self._new_page)

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _new_page(self, page):
        page.console = Console(page)

    def open(self, url, status=200):
        response = self.page.goto(url)
        assert response.status == status, f"{url}: HTTP {response.status}"
        assert urlsplit(self.page.url).path == urlsplit(url).path, f"{url}: at {self.page.url}"
        self.assert_policy(response, url)
        self.settle()
        self.check(url)
        return response

    def assert_policy(self, response, url):
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy, f"{url}: no script policy ({policy!r})"

    def settle(self, page=None):
        """Wait until the page is loaded and its editors are built."""
        page = page or self.page
        page.wait_for_load_state("networkidle")
        count = page.evaluate(
            "() => Array.from(document.querySelectorAll('textarea[data-netjsonconfig-editor]'))"
            ".filter(t => !t.closest('.empty-form')).length"
        )
        for index in range(count):
            # built, or in advanced mode for want of a schema (a VPN server's backend)
            page.wait_for_function(
                "i => { const e = (window.netjsonconfigEditors || [])[i];"
                " return e && (e.ready || (e.mode === 'advanced' && e.codemirror)); }",
                arg=index,
            )
        page.wait_for_load_state("networkidle")

    def check(self, where, page=None):
        page = page or self.page
        ran = page.evaluate("window.__xss")
        assert ran is None, f"{where}: script from data ran: {self.payloads.names(ran)}"
        assert self.dialogs == [], f"{where}: dialogs opened: {self.dialogs}"
        violations = page.evaluate("window.__cspViolations")
        assert violations == [], f"{where}: the Content-Security-Policy was violated: {violations}"
        assert page.console.errors == [], f"{where}: script errors: {page.console.errors}"
        urls = page.evaluate(JAVASCRIPT_URLS)
        assert urls == [], f"{where}: javascript: URLs in the page: {urls}"

    def editors_in_both_modes(self, where):
        """Each editor in advanced mode (the raw JSON in CodeMirror, checked against the
        schema, the problems listed and their tooltips shown), then back to the form."""
        page = self.page
        buttons = page.locator(".netjsonconfig-mode-advanced:visible")
        for index in range(buttons.count()):
            buttons.nth(index).click()
            page.locator(".netjsonconfig-editor[data-valid]").nth(index).wait_for(state="attached")
        page.wait_for_timeout(400)  # the lint runs 250 ms after a change
        markers = page.locator(".CodeMirror-lint-marker:visible")
        for index in range(min(markers.count(), 3)):
            markers.nth(index).hover()
            page.locator(".CodeMirror-lint-tooltip").last.wait_for(state="attached")
        self.check(f"{where} (advanced mode)")
        forms = page.locator(".netjsonconfig-mode-form:visible")
        for index in range(forms.count()):
            forms.nth(index).click()
        self.settle()
        self.check(f"{where} (form again)")

    def preview(self, where):
        """The preview of the change form (the posted form, rendered): in the dialog,
        then as a page of its own (what the button opens without script)."""
        page = self.page
        page.click("button.netjsonconfig-preview")
        page.wait_for_selector(
            "#netjsonconfig-preview-dialog:is([data-state=ok], [data-state=error])"
        )
        self.settle()
        failed = page.get_attribute("#netjsonconfig-preview-dialog", "data-state") == "error"
        if failed:  # a configuration that cannot render is answered 400, with its errors
            self._drop_bad_request(page)
        self.check(f"{where} (preview)")
        page.click(".netjsonconfig-preview-close")

        with page.context.expect_page() as opened:
            page.evaluate(
                "() => { const b = document.querySelector('button.netjsonconfig-preview');"
                " b.form.requestSubmit(b); }"
            )
        tab = opened.value
        tab.wait_for_load_state("networkidle")
        assert tab.locator(".netjsonconfig-preview-page").count() == 1
        if failed:
            self._drop_bad_request(tab)
        self.check(f"{where} (preview in a tab)", tab)
        tab.close()

    @staticmethod
    def _drop_bad_request(page):
        page.console.errors[:] = [
            e for e in page.console.errors if "status of 400" not in e or "/preview/" not in e
        ]


@pytest.fixture
def admin(page, operator):
    payloads = Payloads()
    return Admin(page, payloads), stored_objects(payloads, operator)


def history_urls(name, obj):
    """The history page of ``obj`` and the page of each of its versions."""
    from reversion.models import Version

    urls = [admin_url(name, "history", obj.pk)]
    for version in Version.objects.get_for_object(obj):
        urls.append(admin_url(name, "revision", obj.pk, version.pk))
    return urls


def test_device_pages_run_no_script_from_data(admin):
    admin, objects = admin
    bad, good = objects["bad"], objects["good"]
    for device in (bad, good):
        where = admin_url("device", "change", device.pk)
        admin.open(where)
        admin.editors_in_both_modes(where)
        admin.preview(where)
        for url in history_urls("device", device):
            admin.open(url)
        admin.open(admin_url("device", "delete", device.pk))
    admin.open(admin_url("device", "add"))
    admin.page.select_option("#id_group", str(objects["group"].pk))  # marks its templates
    admin.check("device add page, group chosen")


def test_the_server_errors_of_a_device_form_run_no_script(admin):
    """The device form posted back with its errors: the messages carry the values
    (the name is no hostname, the config cannot render), shown next to the fields
    and inside the editor."""
    admin, objects = admin
    where = admin_url("device", "change", objects["bad"].pk)
    admin.open(where)
    admin.page.click("input[name=_continue]")
    admin.page.wait_for_selector(".errornote")
    admin.settle()
    admin.check(f"{where} (posted, with errors)")
    admin.editors_in_both_modes(f"{where} (posted)")


def test_list_dashboard_and_fleet_pages_run_no_script_from_data(admin, tmp_path):
    admin, objects = admin
    P = admin.payloads
    admin.open("/admin/")  # the dashboard (models, operating systems), recent actions
    admin.open(changelist_url())
    admin.open(changelist_url("q=" + P("search term")))
    admin.open(changelist_url(urlencode({"model": objects["bad"].model})))
    admin.open(changelist_url(urlencode({"os": objects["good"].os})))
    # the users' pages name the user who made the revisions
    admin.open(reverse("admin:auth_user_changelist"))
    admin.open(reverse("admin:auth_user_change", args=[objects["user"].pk]))
    admin.open(admin_url("device", "recoverlist"))
    from reversion.models import Version

    for version in Version.objects.get_deleted(get_model("device")):
        admin.open(admin_url("device", "recover", version.pk))
    admin.open(job_url(objects["job"]))
    admin.page.wait_for_timeout(1500)  # the page polls the job's status once a second
    admin.check("bulk job page, after a poll")

    # the intermediate pages of the bulk actions name the devices, groups and templates
    for action in ("change_group", "add_templates", "remove_templates", "delete_selected"):
        admin.open(changelist_url())
        admin.page.check("#action-toggle")
        admin.page.select_option("select[name=action]", action)
        admin.page.click("button[name=index]")
        # ours, or the admin's own confirmation for a few devices to delete
        admin.page.wait_for_selector(
            "form:is(:has(input[name=apply]), :has(input[name=post]))", state="attached"
        )
        admin.settle()
        admin.check(f"bulk action {action}")

    # an import whose every cell is a payload: the dry run shows the rows and errors
    row = {column: P(f"import.{column}") for column in ("name", "group", "model", "os")}
    row.update(
        mac_address="00:11:22:33:44:55",
        system=P("import.system"),
        notes=P("import.notes"),
        templates=[objects["template"].name, P("import.templates")],
        context={"import_var": P("import.context")},
        config=file_config(P, "import.config"),
    )
    upload = tmp_path / "devices.json"
    upload.write_text(json.dumps([row]))
    admin.open(reverse("admin:django_netjsonconfig_device_import"))
    admin.page.set_input_files("input[name=file]", str(upload))
    admin.page.click("input[type=submit][value='Check and import']")
    admin.page.wait_for_selector(".netjsonconfig-import-errors, .netjsonconfig-import-ok")
    admin.settle()
    admin.check("import dry run")


def test_template_group_vpn_and_pki_pages_run_no_script_from_data(admin):
    admin, objects = admin
    for name, key in (("template", "template"), ("template", "vpn_template")):
        obj = objects[key]
        where = admin_url(name, "change", obj.pk)
        admin.open(where)
        admin.editors_in_both_modes(where)
        admin.preview(where)
    for name, key in (
        ("template", "template"),
        ("devicegroup", "group"),
        ("vpn", "vpn"),
        ("ca", "ca"),
        ("cert", "cert"),
    ):
        obj = objects[key]
        admin.open(admin_url(name, "changelist"))
        admin.open(admin_url(name, "change", obj.pk))
        admin.open(admin_url(name, "delete", obj.pk))
        if name in ("ca", "cert"):
            admin.open(admin_url(name, "history", obj.pk))
        else:
            for url in history_urls(name, obj):
                admin.open(url)
            admin.open(admin_url(name, "recoverlist"))
        admin.open(admin_url(name, "add"))
    vpn = admin_url("vpn", "change", objects["vpn"].pk)
    admin.open(vpn)
    admin.editors_in_both_modes(vpn)
    admin.preview(vpn)


def test_the_read_only_pages_of_a_view_only_user_run_no_script_from_data(
    browser, live_server, admin
):
    """A user who may only view: the change pages show every field as text."""
    from django.contrib.auth.models import Permission

    admin, objects = admin
    viewer = get_user_model().objects.create_user("viewer", password="viewer-password")
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label=get_model("device")._meta.app_label,
            codename__startswith="view_",
        )
    )
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.console = Console(page)
        viewing = Admin(page, admin.payloads)
        page.goto("/admin/login/")
        page.fill("#id_username", "viewer")
        page.fill("#id_password", "viewer-password")
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")
        viewing.check("index, view-only user")
        for name, key in (
            ("device", "bad"),
            ("device", "good"),
            ("template", "template"),
            ("devicegroup", "group"),
            ("vpn", "vpn"),
            ("ca", "ca"),
            ("cert", "cert"),
        ):
            viewing.open(admin_url(name, "changelist"))
            viewing.open(admin_url(name, "change", objects[key].pk))
            viewing.open(admin_url(name, "history", objects[key].pk))
        viewing.open(job_url(objects["job"]))
    finally:
        context.close()


def test_the_admin_pages_carry_the_policy(client, admin_user):
    """The header on the login page and on admin pages, not on the device endpoints
    (which serve no page: they are not slowed by building a header they do not need)."""
    response = client.get("/admin/login/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if " " in d.strip())
    assert directives["script-src"] == "'self'"  # no inline script, no eval
    assert directives["style-src"] == "'self'"  # no inline style
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe" not in policy
    client.force_login(admin_user)
    response = client.get(admin_url("device", "changelist"))
    assert response.headers["Content-Security-Policy"] == policy
    device = make_config(config={}, backend=OPENWRT).device
    response = client.get(f"/controller/checksum/{device.pk}/", {"key": device.key})
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response.headers


def test_values_with_markup_are_kept_as_text_by_the_form(page):
    """The form shows and posts text values as they are: neither parsed as markup nor
    sanitized (a shell script or an HTML page in a file keeps its ``&&`` and tags)."""
    contents = (
        '#!/bin/sh\n[ -x /bin/a ] && echo "<b>bold</b> &amp; a<b" > /tmp/x &\n'
        "<img src=x onerror=xss(1)><script>xss(2)</script>\n"
    )
    description = "<i>office</i> & lab"
    template = TemplateFactory(
        name="scripts",
        config={
            "general": {"description": description},
            "files": [{"path": "/etc/x.sh", "mode": "0755", "contents": contents}],
        },
    )
    page.context.add_init_script(INIT_SCRIPT)
    page.goto(admin_url("template", "change", template.pk))
    wait_editor(page)

    assert field(page, "root.files.0.contents").input_value() == contents
    assert field(page, "root.general.description").input_value() == description
    assert page.locator(".netjsonconfig-editor-notice").is_hidden()  # nothing lost
    path = field(page, "root.files.0.path")
    path.fill("/etc/y.sh")
    path.blur()
    wait_posted(page, "config", "/etc/y.sh")
    posted = posted_config(page, "config")
    assert posted["files"][0]["contents"] == contents
    assert posted["general"]["description"] == description
    page.click("input[name=_save]")
    page.wait_for_url("**" + admin_url("template", "changelist"))
    template.refresh_from_db()
    assert template.config["files"][0] == {
        "path": "/etc/y.sh",
        "mode": "0755",
        "contents": contents,
    }
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("window.__cspViolations") == []
    assert page.console.errors == []


def test_notification_pages_run_no_script_from_data(admin):
    """Notifications about a device whose name is a payload, with payloads in what the
    events carry: the header's count, the list (one and a group) and the settings."""
    admin, objects = admin
    P = admin.payloads
    notify("device_registered", objects["bad"])
    notify("config_error", objects["bad"], reason=P("notification reason"))
    notify("config_error", objects["good"], reason=P("notification reason 2"))
    notify(
        "host_key_mismatch",
        objects["bad"],
        credentials=P("notification credentials"),
        expected=P("notification expected"),
        offered=P("notification offered"),
    )
    admin.open(reverse("netjsonconfig:notifications"))
    assert admin.page.locator(".netjsonconfig-notification").count() == 3
    admin.open(reverse("netjsonconfig:notification_settings"))
    admin.open(reverse("admin:index"))
    assert admin.page.locator(".netjsonconfig-unread-count").inner_text() == "3"
