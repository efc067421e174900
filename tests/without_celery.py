"""The app with Celery hidden: ``python -m tests.without_celery`` (a process of its own).

A meta-path finder makes ``import celery`` fail, as on a site installed without the
``celery`` extra; then, with ``DJANGO_SETTINGS_MODULE`` (an embedded site: no
``NETJSONCONFIG_FANOUT``) on a fresh database: the system checks, a template edit
re-rendered by the background thread, the tasks module, and the checks again with
``NETJSONCONFIG_FANOUT = "celery"``. The last line printed is a JSON report.
"""

import importlib.abc
import io
import json
import sys


class HideCelery(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "celery" or name.startswith("celery."):
            raise ModuleNotFoundError(f"No module named {name!r} (hidden)", name=name)
        return None


def main():
    sys.meta_path.insert(0, HideCelery())
    import django

    django.setup()
    from django.core import checks
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError
    from django.test.utils import override_settings

    from django_netjsonconfig import queue as background
    from django_netjsonconfig import tasks
    from django_netjsonconfig.apps import get_model
    from django_netjsonconfig.fleet import fanout
    from tests.factories import TemplateFactory, make_config

    report = {"checks": sorted(m.id for m in checks.run_checks())}
    call_command("migrate", verbosity=0, interactive=False)
    report["mode"] = background.mode()
    template = TemplateFactory(config={"general": {"timezone": "UTC"}})
    configs = [make_config(templates=[template]) for _ in range(3)]
    fanout.wait_for_thread(30)
    before = {c.pk: get_model("config").objects.get(pk=c.pk).checksum_db for c in configs}
    template.config = {"general": {"timezone": "Asia/Tokyo"}}
    template.full_clean()
    template.save()  # as the admin saves it: the receivers mark its configs
    fanout.wait_for_thread(30)
    background.wait(30)
    after = get_model("config").objects.filter(pk__in=before)
    report["rerendered"] = sum(1 for c in after if c.checksum_db != before[c.pk])
    report["pending"] = after.filter(render_pending__gt=0).count()
    report["statuses"] = sorted({c.status for c in after})
    report["task_called"] = tasks.render_config_batch([str(pk) for pk in before])
    try:
        tasks.render_config_batch.delay([])
        report["delay"] = "sent"
    except Exception as error:
        report["delay"] = f"{type(error).__name__}: {error}"
    with override_settings(NETJSONCONFIG_FANOUT="celery"):
        try:
            call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
            report["check_celery"] = ""
        except SystemCheckError as error:
            report["check_celery"] = str(error)
    report["celery_imported"] = any(m == "celery" or m.startswith("celery.") for m in sys.modules)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
