"""gunicorn's gevent worker, without monkey-patching: slow clients cost a greenlet, not a worker.

A sync worker reads each request itself, headers and body, before it can take the next
connection: a client that sends its headers a byte at a time, or a body shorter than
its ``Content-Length``, holds the worker until the worker timeout kills it, and two
such clients hold a two-worker site. gunicorn's gevent worker reads every connection
in a greenlet of its own, so a slow client waits without holding anyone else up.

That worker also monkey-patches the standard library (threads become greenlets), which
this application cannot take: the background re-rendering of the embedded mode (and
other background work) is CPU-bound, and as a greenlet it would never yield; measured,
the worker stopped answering and was killed after its 30 s timeout. This worker
patches nothing: only the connections to clients are gevent sockets. The application
runs as under a sync worker: one request at a time in the application, its database
and Redis calls blocking as they always did, one database connection per worker
process, background threads that are real threads. A request gives way to another
only while it waits for its client (reading the request, sending the answer).

``demo/gunicorn_conf.py`` selects it (``worker_class``).
"""

from gevent import socket
from gunicorn.workers.ggevent import GeventWorker


class CooperativeWorker(GeventWorker):
    """gunicorn's ``gevent`` worker that does not monkey-patch the standard library."""

    def patch(self):
        # what GeventWorker.patch does after ``monkey.patch_all()``: the listening
        # sockets become gevent sockets, and so do the connections they accept
        self.sockets = [
            socket.socket(s.FAMILY, socket.SOCK_STREAM, fileno=s.sock.detach())
            for s in self.sockets
        ]
