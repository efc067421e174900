"""The schema editor opens every section of the OpenWrt schema without a JavaScript
error: every top-level section, an item of every list, every type of every "one of"
choice (interfaces, addresses, radios, encryptions...) with all its optional fields."""

import pytest
from django.urls import reverse

from ..admin_helpers import admin_url
from .helpers import add_property, node, wait_editor

pytestmark = pytest.mark.django_db(transaction=True)

OPEN_EVERYTHING = """
async (path) => {
  const root = document.querySelector(`[data-schemapath="${path}"]`);
  const tick = () => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)));
  const visible = element => element.isConnected && element.offsetParent !== null;
  const counts = {items: 0, types: 0, fields: 0};
  const clicked = new WeakSet();
  async function addItems(scope) {
    for (let round = 0; round < 3; round++) {
      const buttons = [...scope.querySelectorAll('button.json-editor-btn-add')]
        .filter(button => !clicked.has(button) && visible(button));
      if (!buttons.length) return;
      for (const button of buttons) {
        clicked.add(button);
        button.click();
        counts.items++;
        await tick();
      }
    }
  }
  async function addFields(scope) {
    const boxes = [...scope.querySelectorAll('.property-selector input[type=checkbox]')]
      .filter(box => box.isConnected && !box.checked && !box.disabled);
    for (const box of boxes) {
      if (!box.isConnected || box.checked) continue;
      box.click();
      counts.fields++;
    }
    await tick();
  }
  await addItems(root);
  await addFields(root);
  const switchers = [...root.querySelectorAll('select.je-switcher')];
  for (const switcher of switchers) {
    if (!switcher.isConnected) continue;
    for (const option of [...switcher.options]) {
      if (!switcher.isConnected) break;
      switcher.value = option.value;
      switcher.dispatchEvent(new Event('change', {bubbles: true}));
      counts.types++;
      await tick();
      const holder = switcher.parentNode;
      await addFields(holder);
      await addItems(holder);
    }
  }
  return counts;
}
"""


def test_every_section_of_the_openwrt_schema_opens_without_a_javascript_error(page, shot):
    page.goto(admin_url("template", "add"))
    wait_editor(page)
    sections = page.evaluate(
        "url => fetch(url).then(r => r.json())"
        ".then(s => Object.keys(s['netjsonconfig.OpenWrt'].properties))",
        reverse("netjsonconfig:schema"),
    )
    assert {"general", "interfaces", "radios", "files", "routes"} <= set(sections)

    opened = {}
    for name in sections:
        add_property(page, "root", name)
        node(page, f"root.{name}").wait_for()
        opened[name] = page.evaluate(OPEN_EVERYTHING, f"root.{name}")
        assert page.console.errors == [], f"section {name}: {page.console.errors}"

    shot(page, "11-every-openwrt-section")
    assert opened["interfaces"]["types"] >= 9  # every interface type was shown
    assert opened["radios"]["types"] >= 2
    assert sum(counts["fields"] for counts in opened.values()) > 50
    # the form still gives a JSON object (what is posted)
    assert page.eval_on_selector("textarea[name=config]", "e => JSON.parse(e.value).interfaces")
