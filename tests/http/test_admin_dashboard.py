"""The dashboard on the admin index: devices by configuration status (a chart drawn on
the server), by model and by OS, in a fixed number of GROUP BY queries."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_netjsonconfig.apps import get_model

from ..factories import DeviceFactory
from ..fleet_helpers import bulk_fleet

pytestmark = pytest.mark.django_db


def dashboard_html(page):
    match = re.search(r'<div class="netjsonconfig-dashboard".*?<div id="content-main"', page, re.S)
    assert match, "no dashboard on the page"
    return match.group(0)


@pytest.fixture
def fleet():
    config_model = get_model("config")
    routers = bulk_fleet(4, model="TL-WR841N", os="OpenWrt 23.05", render=False)
    aps = bulk_fleet(2, model="RB951", os="OpenWrt 22.03", render=False)
    config_model.objects.filter(device__in=routers[:3]).update(status="applied")
    config_model.objects.filter(device=aps[0]).update(status="error")
    DeviceFactory(model="", os="")  # no configuration, unknown model and OS


def test_the_index_shows_devices_by_status_model_and_os(admin_client, fleet):
    response = admin_client.get("/admin/")

    assert response.status_code == 200
    html = dashboard_html(response.content.decode())
    assert "Configuration status" in html and "7 devices" in html
    assert re.search(r'data-status="applied">3<', html)
    assert re.search(r'data-status="modified">2<', html)
    assert re.search(r'data-status="error">1<', html)
    assert re.search(r'data-status="none">1<', html)
    assert re.search(r'data-value="TL-WR841N">4<', html)
    assert re.search(r'data-value="RB951">2<', html)
    assert re.search(r'data-value="OpenWrt 22.03">2<', html)
    assert re.search(r'data-value="\(unknown\)">1<', html)


def test_the_status_chart_is_an_inline_svg_whose_bars_add_up(admin_client, fleet):
    html = dashboard_html(admin_client.get("/admin/").content.decode())

    bars = re.findall(r'<rect class="bar-(\w+)" x="([\d.]+)" y="0" width="([\d.]+)"', html)
    assert [b[0] for b in bars] == ["modified", "applied", "error", "none"]
    assert sum(float(b[2]) for b in bars) == pytest.approx(100, abs=0.05)
    assert float(bars[1][1]) == pytest.approx(float(bars[0][2]), abs=0.01)  # stacked
    assert "<script" not in html and "http" not in html.replace('href="/', "")


def test_the_chart_links_to_the_filtered_device_list(admin_client, fleet):
    html = dashboard_html(admin_client.get("/admin/").content.decode())

    opts = get_model("device")._meta
    base = f"/admin/{opts.app_label}/{opts.model_name}/"
    assert f'href="{base}?config__status__exact=applied"' in html
    assert f'href="{base}?config__status__isnull=True"' in html
    assert f'href="{base}?model=RB951"' in html
    assert admin_client.get(f"{base}?model=RB951").context["cl"].result_count == 2


def test_rare_models_are_summed_up(admin_client):
    for n in range(10):
        bulk_fleet(1, model=f"model-{n}", render=False)

    html = dashboard_html(admin_client.get("/admin/").content.decode())

    assert html.count('data-value="model-') == 8
    assert re.search(r"others</td>.*?<td class=\"count\">2</td>", html, re.S)


def test_the_dashboard_makes_as_many_queries_for_200_devices_as_for_20(admin_client):
    def queries():
        admin_client.get("/admin/")
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get("/admin/").status_code == 200
        return captured

    bulk_fleet(20, model="a", render=False)
    with_20 = queries()
    for n in range(9):
        bulk_fleet(20, model=f"m{n}", os=f"os{n}", render=False)
    with_200 = queries()

    assert len(with_200) == len(with_20)
    assert sum("GROUP BY" in q["sql"] for q in with_200.captured_queries) == 3


def test_no_dashboard_for_a_user_who_may_not_see_devices(client, django_user_model, fleet):
    user = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(user)

    page = client.get("/admin/").content.decode()

    assert "netjsonconfig-dashboard" not in page


def test_a_user_who_may_view_devices_sees_the_dashboard(client, django_user_model, fleet):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    opts = get_model("device")._meta
    user.user_permissions.add(
        Permission.objects.get(
            codename=f"view_{opts.model_name}", content_type__app_label=opts.app_label
        )
    )
    client.force_login(user)

    page = client.get("/admin/").content.decode()

    assert "netjsonconfig-dashboard" in page


def test_an_empty_fleet_has_an_empty_dashboard(admin_client):
    html = dashboard_html(admin_client.get("/admin/").content.decode())

    assert "0 devices" in html
    assert "No devices yet." in html
