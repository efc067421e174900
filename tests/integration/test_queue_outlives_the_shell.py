"""Work asked for by a process that ends at once is done by the site's web processes.

Embedded mode (SQLite, no broker): ``manage.py shell`` edits a template every device
uses and exits right after the commit, before its own thread could render anything.
The configs stay marked in the database; the sweeper of the running web server finds
them and renders every one, though no device polls (a poll would render on demand).
"""

import json

from tests.integration_helpers import Deployment, wait_until

TEMPLATE = {"general": {"timezone": "UTC"}, "interfaces": [{"name": "eth0", "type": "ethernet"}]}
EDITED = {
    "general": {"timezone": "Europe/Rome"},
    "interfaces": [{"name": "eth0", "type": "ethernet"}],
}
DEVICES = 60

SHELL = """
import json, os
from django_netjsonconfig.apps import get_model
from django_netjsonconfig.queue import mode
template = get_model("template").objects.get(pk={template!r})
template.config = json.loads({config!r})
template.full_clean()
template.save()
pending = get_model("config").objects.filter(render_pending__gt=0).count()
print(json.dumps({{"mode": mode(), "pending": pending}}), flush=True)
os._exit(0)  # at once, as a script killed or ended before its thread
"""


def test_a_template_edited_from_a_shell_is_rendered_by_the_web_process(tmp_path):
    with Deployment(tmp_path, postgres=False, redis=None) as site:
        driver = site.driver()
        made = driver.call("fleet", DEVICES, TEMPLATE, prefix="sweep")
        ids = [device["id"] for device in made["devices"]]
        before = driver.call("states", ids, fresh=False)
        site.server("web")  # serves a first request (/healthz): its sweeper starts

        code = SHELL.format(template=made["template"], config=json.dumps(EDITED))
        report = json.loads(site.manage("shell", "-c", code).strip().splitlines()[-1])
        assert report == {"mode": "thread", "pending": DEVICES}

        wait_until(lambda: driver.call("pending_count") == 0, 60, 0.5, "the sweeper")
        after = driver.call("states", ids)
        assert all(state["checksum"] == state["fresh"] for state in after.values())
        assert all(after[i]["checksum"] != before[i]["checksum"] for i in ids)
        assert {state["status"] for state in after.values()} == {"modified"}


JOB = """
import json, os
from django_netjsonconfig.apps import get_model
from django_netjsonconfig.fleet import bulk
group = get_model("devicegroup").objects.create(name="moved")
devices = get_model("device").objects.filter(name__startswith="job-")
job = bulk.job_model().objects.create(
    action="change_group",
    params={"group": str(group.pk)},
    device_ids=[str(pk) for pk in devices.values_list("pk", flat=True)],
    total=devices.count(),
)
# no bulk.start(job): as if this process ended before its thread took the job
print(json.dumps({"job": str(job.pk), "group": str(group.pk)}), flush=True)
os._exit(0)
"""

JOB_STATE = """
import json
from django_netjsonconfig.apps import get_model
job = get_model("bulkjob").objects.get(pk={job!r})
moved = get_model("device").objects.filter(group_id={group!r}).count()
print(json.dumps({{"status": job.status, "done": job.done, "moved": moved}}))
"""


def test_a_bulk_job_started_from_a_shell_is_run_by_the_web_process(tmp_path):
    with Deployment(tmp_path, postgres=False, redis=None) as site:
        driver = site.driver()
        driver.call("fleet", 30, TEMPLATE, prefix="job")
        site.server("web")
        started = json.loads(site.manage("shell", "-c", JOB).strip().splitlines()[-1])
        state = {}

        def finished():
            code = JOB_STATE.format(**started)
            state.update(json.loads(site.manage("shell", "-c", code).strip().splitlines()[-1]))
            return state["status"] == "done"

        wait_until(finished, 60, 0.5, "the sweeper to run the job")
        assert state == {"status": "done", "done": 30, "moved": 30}
