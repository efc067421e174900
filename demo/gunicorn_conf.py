"""gunicorn settings of the demo site, in one place.

``make run``, the benchmarks (``bench/run.py``) and the tests start the site with::

    gunicorn -c demo/gunicorn_conf.py demo.wsgi --bind HOST:PORT --workers N [LOGS]

Where the logs go is for each of them to say (``make run``: ``--access-logfile -
--error-logfile -``, the terminal); options given on the command line win over these.
"""

import os

import gunicorn.config

# device keys and shared secrets never reach the logs (demo/gunicorn_logging.py)
logger_class = "demo.gunicorn_logging.RedactingLogger"

workers = 2
# a slow or idle client costs a greenlet, not a worker (demo/gunicorn_worker.py)
worker_class = "demo.gunicorn_worker.CooperativeWorker"
# connections a worker holds at once, slow and idle ones included; past them, new
# connections wait in the listen queue (a front server takes more: docs/deployment.md)
worker_connections = 1000
# a request must be read (its headers) within this many seconds, or the connection is
# closed; a connection kept alive after an answer is closed after as long without one
keepalive = 5

# recent gunicorn opens a control socket, by default one per user in ~/.gunicorn: keep
# each site's in its var dir, so that two sites do not take each other's
if hasattr(gunicorn.config, "ControlSocket") and os.environ.get("NETJSONCONFIG_VAR_DIR"):
    control_socket = os.path.join(os.environ["NETJSONCONFIG_VAR_DIR"], "gunicorn.ctl")
