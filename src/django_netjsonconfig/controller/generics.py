"""Generic device-facing views, configured with ``model = Device`` (or ``Config``).

Every answer is plain text and carries ``X-Openwisp-Controller: true``, errors
included: the agent checks that header to know it talks to a controller.
"""

import hmac
import logging
import re
import uuid
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.signals import got_request_exception
from django.db import connections, router, transaction
from django.http import HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.http.response import ResponseHeaders
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from .. import signals
from ..apps import get_model
from ..devices import configs, devices, registration
from ..fleet import fanout
from ..polling import cache as pollcache
from ..rendering import archivecache
from ..rendering.render import RenderError
from ..settings import app_settings
from ..workflow import sending

logger = logging.getLogger(__name__)

REPORTABLE_STATUSES = {"applied": "applied", "error": "error", "modified": "modified"}
LEGACY_STATUSES = {"running": "applied"}


class ControllerResponse(HttpResponse):
    def __init__(self, content=b"", *args, content_type="text/plain", headers=None, **kwargs):
        # the headers given at once: a third cheaper than setting them one by one
        headers = {"Content-Type": content_type, "X-Openwisp-Controller": "true", **(headers or {})}
        super().__init__(content, *args, headers=headers, **kwargs)

    @classmethod
    def ok(cls, content, content_type="text/plain"):
        """A 200 answer equal to ``cls(content, content_type=content_type)``, made by
        copying a prototype built once by the constructor: the poll path's answer.

        The constructor checks and encodes every header, reads ``DEFAULT_CHARSET``
        through the lazy settings and builds a cookie jar: about 5 µs of a poll's 15
        over the empty view. A copy is about 1 µs. What must not be shared (the
        headers, the cookies, the resource closers) is new in every copy; the rest is
        the prototype's values (tests compare the two attribute by attribute)."""
        prototype = _PROTOTYPES.get((cls, content_type))
        if prototype is None:
            prototype = _PROTOTYPES[cls, content_type] = cls(b"", content_type=content_type)
        response = cls.__new__(cls)
        response.__dict__.update(prototype.__dict__)
        headers = response.headers = ResponseHeaders.__new__(ResponseHeaders)
        headers.__dict__.update(prototype.headers.__dict__)
        headers._store = prototype.headers._store.copy()
        response.cookies = SimpleCookie()
        response._resource_closers = []
        if type(content) is bytes:
            response._container = [content]  # what the content setter makes of bytes
        else:
            response.content = content
        return response


#: (class, content type) -> the prototype answer of ``ControllerResponse.ok``
_PROTOTYPES = {}


class Refused(Exception):
    """Ends a request with an error answer."""

    def __init__(self, message, status):
        super().__init__(message)
        self.response = ControllerResponse(message, status=status)


#: the forms of a device id the protocol accepts: 32 hex digits, or the dashed form
#: (``uuid.UUID`` also takes braces, ``urn:uuid:``, dashes anywhere and other digits)
UUID_FORMS = re.compile(
    r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def parse_uuid(value):
    if type(value) is uuid.UUID:  # the URL's converter made it already
        return value
    if type(value) is str and UUID_FORMS.fullmatch(value):
        return uuid.UUID(value)
    raise Refused("error: invalid device id", 404)


def hex_id_bytes(value):
    """The 16 bytes of a device id written as 32 hex digits (as the agent sends it);
    None for any other form (the full path parses those)."""
    if type(value) is str and len(value) == 32:
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            return None
        if len(raw) == 16:  # no spaces (which fromhex skips)
            return raw
    return None


def _clean(params):
    for name, value in params.items():
        if "\x00" in value:
            raise Refused(f'error: parameter "{name}" contains a NUL character', 400)
    return params


class ControllerView(View):
    """Shared plumbing: model resolution, parameters, error answers."""

    model = None
    http_method_names = ["get", "post"]

    # --- models -----------------------------------------------------------------------
    @property
    def device_model(self):
        return self._models()[0]

    @property
    def config_model(self):
        return self._models()[1]

    def _models(self):
        """(device model, config model), resolved once per view class and ``model``."""
        cache = type(self).__dict__.get("_resolved_models")
        if cache is None:
            cache = {}
            type(self)._resolved_models = cache
        found = cache.get(self.model)
        if found is None:
            model = self.model or get_model("device")
            if _is_config_model(model):
                model = model._meta.get_field("device").related_model
            found = cache[self.model] = (model, model._meta.get_field("config").related_model)
        return found

    # --- request plumbing -------------------------------------------------------------------
    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        view.csrf_exempt = True  # devices post without a CSRF token
        return view

    def setup(self, request, *args, **kwargs):
        # View.setup, without looking for a ``head`` method where HEAD is not served
        if "head" in self.http_method_names and hasattr(self, "get") and not hasattr(self, "head"):
            self.head = self.get
        self.request = request
        self.args = args
        self.kwargs = kwargs

    def dispatch(self, request, *args, **kwargs):
        method = request.method.lower()
        handler = getattr(self, method, None) if method in self.http_method_names else None
        if handler is None:
            return self.http_method_not_allowed(request, *args, **kwargs)
        try:
            return handler(request, *args, **kwargs)
        except Refused as refused:
            return refused.response
        except Exception:  # free in the try of the common case (no exception: no cost)
            return internal_error(request)

    def http_method_not_allowed(self, request, *args, **kwargs):
        allowed = [m.upper() for m in self.http_method_names if hasattr(self, m)]
        response = ControllerResponse(f"error: method {request.method} not allowed", status=405)
        response["Allow"] = ", ".join(allowed)
        return response

    def params(self, request):
        """GET query or the url-encoded POST body, decoded strictly as UTF-8."""
        if request.method == "GET":
            # parsed straight from the query string: a poll needs no QueryDict
            query = request.META.get("QUERY_STRING", "")
            if "%" not in query and "+" not in query and "\x00" not in query:
                # nothing escaped (a poll: key=<hex>): what parse_qsl would give
                params = {}
                for part in query.split("&"):
                    if part:
                        name, _, value = part.partition("=")
                        params[name] = value
                return params
            try:
                pairs = parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="strict")
            except (UnicodeDecodeError, ValueError):
                raise Refused("error: query string is not valid UTF-8", 400) from None
            return _clean(dict(pairs))
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise Refused("error: invalid Content-Length", 400) from None
        if length > app_settings.MAX_DEVICE_REQUEST_SIZE:
            raise Refused("error: request body too large", 413)
        try:
            body = request.body
            if len(body) > app_settings.MAX_DEVICE_REQUEST_SIZE:
                raise Refused("error: request body too large", 413)
            content_type = request.META.get("CONTENT_TYPE", "")
            if content_type.startswith("multipart/"):
                return _clean(request.POST.dict())
        except RequestDataTooBig:  # over DATA_UPLOAD_MAX_MEMORY_SIZE, when it is lower
            raise Refused("error: request body too large", 413) from None
        except (MultiPartParserError, SuspiciousOperation, UnicodeError, ValueError):
            # a broken multipart body, too many fields (DATA_UPLOAD_MAX_NUMBER_FIELDS), ...
            raise Refused("error: malformed request body", 400) from None
        except UnreadablePostError:  # the client went away while sending it
            raise Refused("error: request body could not be read", 400) from None
        try:
            text = body.decode("utf-8")
            pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
        except (UnicodeDecodeError, ValueError):
            raise Refused("error: request body is not valid UTF-8", 400) from None
        return _clean(dict(pairs))

    @staticmethod
    def require(params, *names):
        for name in names:
            if not (params.get(name) or "").strip():
                raise Refused(f'error: missing required parameter "{name}"', 400)

    def get_device(self, pk, params):
        """The device ``pk`` authenticated by its ``key``, with its config."""
        self.require(params, "key")
        device_id = parse_uuid(pk)
        device = (
            self.device_model.objects.select_related("config", "group").filter(pk=device_id).first()
        )
        if device is None:
            raise Refused("error: device not found", 404)
        if not hmac.compare_digest(str(device.key).encode(), params["key"].encode()):
            raise Refused("error: wrong key", 403)
        return device

    def get_config(self, device):
        config = devices.get_config(device)
        if config is None:
            raise Refused("error: device has no configuration", 404)
        return config

    @staticmethod
    def management_ip(params):
        value = (params.get("management_ip") or "").strip()
        if not value:
            return None
        try:
            return devices.management_address(value)
        except ValueError:
            raise Refused("error: invalid management_ip", 400) from None

    @staticmethod
    def remote_addr(request):
        return devices.peer_address(request.META.get("REMOTE_ADDR"))

    @staticmethod
    def send_on_commit(signal, sender, **kwargs):
        sending.send_on_commit(signal, sender, **kwargs)


def instance_from_values(model, values):
    """An instance of ``model`` as read from the database with only the fields of
    ``values`` (``{attname: value}``; the others load on access).

    ``Model.from_db`` assigns a partial list of values to the model's concrete fields
    *in the model's order*, whatever order the names are given in: the values are
    put in that order here (an extending app's model may order its fields otherwise).
    """
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    if len(names) != len(values):
        unknown = sorted(set(values) - set(names))
        raise ValueError(f"{model.__name__} has no concrete fields {unknown}")
    return model.from_db(router.db_for_read(model), names, [values[name] for name in names])


def internal_error(request):
    """The answer to an unexpected exception of a controller view (called in its
    ``except`` block): logged with its traceback, reported to Django's
    ``got_request_exception`` receivers (error trackers) as Django does, and answered
    with a plain 500 carrying the controller header, without any detail. A
    transaction the request runs in (``ATOMIC_REQUESTS``) is rolled back."""
    # the path quoted: a %0A in it must not start a line of its own in the log
    logger.exception("controller: %s %r failed", request.method, request.path)
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            transaction.set_rollback(True, using=connection.alias)
    got_request_exception.send(sender=None, request=request)
    return ControllerResponse("error: internal server error", status=500)


@csrf_exempt
def not_found(request, rest=""):
    """Every other path under the controller's: a 404 with the controller header (not
    Django's HTML page, nor the redirect of ``APPEND_SLASH``, which the agent would
    take for another server)."""
    if request.path.endswith("/"):
        return ControllerResponse("error: not found", status=404)
    return ControllerResponse('error: not found (controller paths end with "/")', status=404)


def _is_config_model(model):
    return any(f.name == "device" and f.one_to_one for f in model._meta.get_fields())


class PollView(ControllerView):
    """The checksum and download endpoints: answered from the poll cache.

    The common case reads no database row: the device's key, checksum and
    addresses come from the process (see ``polling.cache``). A config
    waiting for a re-render is rendered here and now.
    """

    cleanup_addresses = False
    signal = None

    def poll_entry(self, pk, params):
        self.require(params, "key")
        device_id = parse_uuid(pk)
        cache = pollcache.get_cache()
        entry = cache.get(device_id)
        if entry is None:
            entry = self.load_entry(device_id, cache)
        if not entry.key_matches(params["key"]):  # constant time
            raise Refused("error: wrong key", 403)
        if not entry.has_config:
            raise Refused("error: device has no configuration", 404)
        for _attempt in range(3):
            if entry.usable():
                return device_id, entry
            self.render_now(entry)
            entry = self.load_entry(device_id, cache)
        raise Refused("error: configuration cannot be rendered", 503)

    ENTRY_FIELDS = (
        "key",
        "name",
        "last_ip",
        "management_ip",
        "config__id",
        "config__checksum_db",
        "config__render_pending",
    )

    def load_entry(self, device_id, cache):
        cache.warm(self.warm_rows)
        generation = cache.current_generation(device_id)
        row = self.device_model.objects.filter(pk=device_id).values_list(*self.ENTRY_FIELDS).first()
        if row is None:
            raise Refused("error: device not found", 404)
        key, name, last_ip, management_ip, config_id, checksum, pending = row
        entry = pollcache.Entry(
            generation, key, name, last_ip, management_ip, config_id, checksum, bool(pending)
        )
        if entry.usable() and config_id is not None:
            cache.put(device_id, entry)
        return entry

    def warm_rows(self, after, limit):
        """Rows of poll cache entries, by device id, for ``PollCache.warm``."""
        devices = self.device_model.objects.order_by("pk")
        if after is not None:
            devices = devices.filter(pk__gt=after)
        return list(devices.values_list("pk", *self.ENTRY_FIELDS)[:limit])

    def render_now(self, entry):
        config = (
            self.config_model.objects.select_related("device", "device__group")
            .filter(pk=entry.config_id)
            .first()
        )
        if config is None:
            raise Refused("error: device has no configuration", 404)
        configs.refresh(config, config.render_action or "config_changed")

    def device_instance(self, device_id, entry):
        """The device, with the fields the entry holds (the others load on access):
        all the addresses' bookkeeping needs from an entry read from the database,
        only the id from a cached record."""
        values = {self.device_model._meta.pk.attname: device_id}
        if isinstance(entry, pollcache.Entry):
            values.update(
                key=entry.key,
                name=entry.name,
                last_ip=entry.last_ip,
                management_ip=entry.management_ip,
            )
        return instance_from_values(self.device_model, values)

    def record_addresses(self, request, params, device_id, entry):
        """Record a new address; returns the device instance if one had to be built."""
        last_ip = self.remote_addr(request)
        management_ip = self.management_ip(params)
        if not entry.addresses_differ(last_ip, management_ip):
            return None
        if isinstance(entry, pollcache.Entry):
            device = self.device_instance(device_id, entry)
        else:  # a cached record holds digests of the addresses: read them
            device = self.device_model.objects.filter(pk=device_id).first()
            if device is None:
                raise Refused("error: device not found", 404)
        devices.update_addresses(device, last_ip, management_ip, cleanup=self.cleanup_addresses)
        return device

    def settled_answer(self, request, pk, params):
        """An answer from what the process holds alone, or None for the full path
        (errors, a miss, new addresses, a listener of ``signal``). None here."""
        return None

    def get(self, request, pk):
        params = self.params(request)
        fanout.catch_up_global_context()
        response = self.settled_answer(request, pk, params)
        if response is not None:
            return response
        device_id, entry = self.poll_entry(pk, params)
        device = self.record_addresses(request, params, device_id, entry)
        response = self.answer(entry)
        # the instance is built only for a listener (no receiver at all: nothing to ask)
        if self.signal.receivers and self.signal.has_listeners(self.device_model):
            device = device or self.device_instance(device_id, entry)
            self.send_on_commit(self.signal, self.device_model, instance=device, request=request)
        return response


#: the steps of a checksum poll's full path: a subclass that changes one of them (to refuse
#: some polls, to answer differently) and does not define ``settled_answer`` itself gets no
#: settled answers, so that every poll goes through its change
FULL_PATH_STEPS = ("params", "poll_entry", "load_entry", "record_addresses", "answer")


class BaseChecksumView(PollView):
    """GET: the MD5 of the device's configuration archive."""

    cleanup_addresses = True
    signal = signals.checksum_requested

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "settled_answer" in cls.__dict__:
            return
        if any(
            getattr(cls, step) is not getattr(BaseChecksumView, step) for step in FULL_PATH_STEPS
        ):
            cls.settled_answer = PollView.settled_answer  # None: the full path, always

    def answer(self, entry):
        return self.checksum_answer(entry.checksum)

    @staticmethod
    def checksum_answer(checksum):
        # hex digits: ASCII whatever DEFAULT_CHARSET says (encoded here, not by the
        # response, which would look the charset up through the lazy settings)
        return ControllerResponse.ok(checksum.encode("ascii"))

    def settled_answer(self, request, pk, params):
        """The common poll (the agent's own id form, the right key, the same
        addresses, a current record, nobody listening to ``checksum_requested``)
        answered by ``PollCache.settled_checksum`` in one call; anything else takes
        the full path, which gives the same answer or the error."""
        key = params.get("key")
        id_bytes = hex_id_bytes(pk)
        if not key or id_bytes is None:
            return None
        if self.signal.receivers and self.signal.has_listeners(self.device_model):
            return None
        management_ip = None
        if params.get("management_ip"):
            try:
                management_ip = self.management_ip(params)
            except Refused:  # the full path says so, after the checks that come first
                return None
        checksum = pollcache.get_cache().settled_checksum(
            id_bytes, key, request.META.get("REMOTE_ADDR") or None, management_ip
        )
        return None if checksum is None else self.checksum_answer(checksum)


class BaseDownloadConfigView(PollView):
    """GET: the configuration archive (tar.gz) whose MD5 the checksum endpoint gives."""

    signal = signals.config_download_requested

    def answer(self, entry):
        archive, name = self.stored_archive(entry)
        response = ControllerResponse.ok(archive, content_type="application/octet-stream")
        response["Content-Disposition"] = f"attachment; filename={name}.tar.gz"
        return response

    def stored_archive(self, entry):
        """(archive, device name) for the entry's checksum."""
        # the entry's checksum is current (the poll cache sees to it) and is the MD5 of
        # the archive: what the cache holds under it is the archive to send (and the
        # name it was sent with, used while the entry says the name is the same)
        cache = archivecache.get_cache()
        config_id = entry.config_id
        found = cache.get_named(config_id, entry.checksum)
        if found is not None and entry.name_is(found[1]):
            return found
        row = self._fetch_archive(config_id)
        if row is None:
            raise Refused("error: device has no configuration", 404)
        archive, checksum, name = row
        if archive is not None and checksum == entry.checksum:
            archive = bytes(archive)
            cache.put(config_id, checksum, archive, name)
            return archive, name
        # stored before archives were kept, or changed since the entry was read: render it
        config = self.config_model.objects.select_related("device", "device__group").get(
            pk=config_id
        )
        try:
            rendered = configs.render(config)
        except RenderError:
            configs.refresh(config)
            raise Refused("error: configuration cannot be rendered", 503) from None
        if rendered.checksum == config.checksum_db:
            type(config).objects.filter(pk=config.pk, checksum_db=rendered.checksum).update(
                archive=rendered.archive
            )
        else:
            configs.refresh(config)
        name = config.device.name
        if rendered.checksum == entry.checksum:
            cache.put(config_id, rendered.checksum, rendered.archive, name)
        return rendered.archive, name

    def _fetch_archive(self, config_id):
        """(archive, checksum, device name) of a config, by primary key, in one plain
        query: the ORM would cost more than the query itself."""
        model = self.config_model
        sql = getattr(type(self), "_archive_sql", None)
        if sql is None or sql[0] is not model:
            opts = model._meta
            device_field = opts.get_field("device")
            device_opts = device_field.related_model._meta
            quote = connections[router.db_for_read(model)].ops.quote_name
            text = (
                "SELECT c.{}, c.{}, d.{} FROM {} c INNER JOIN {} d ON d.{} = c.{} WHERE c.{} = %s"
            ).format(
                quote(opts.get_field("archive").column),
                quote(opts.get_field("checksum_db").column),
                quote(device_opts.get_field("name").column),
                quote(opts.db_table),
                quote(device_opts.db_table),
                quote(device_opts.pk.column),
                quote(device_field.column),
                quote(opts.pk.column),
            )
            sql = type(self)._archive_sql = (model, text)
        connection = connections[router.db_for_read(model)]
        with connection.cursor() as cursor:
            cursor.execute(sql[1], [model._meta.pk.get_db_prep_value(config_id, connection)])
            return cursor.fetchone()


class BaseReportStatusView(ControllerView):
    """POST: the device reports whether it applied its configuration."""

    def post(self, request, pk):
        params = self.params(request)
        self.require(params, "key", "status")
        device = self.get_device(pk, params)
        config = self.get_config(device)
        status = params["status"].strip()
        status = LEGACY_STATUSES.get(status, status)
        if status not in REPORTABLE_STATUSES:
            raise Refused("error: wrong status", 403)
        reason = params.get("error_reason") or ""
        if status == "error" and not reason.strip():
            reason = "Reason not reported by the device."
        configs.set_status(config, status, reason)
        return ControllerResponse(f"report-result: success\ncurrent-status: {config.status}\n")


class BaseUpdateInfoView(ControllerView):
    """POST: the device updates its os, model and system."""

    def post(self, request, pk):
        params = self.params(request)
        device = self.get_device(pk, params)
        changed = []
        for field in registration.UPDATABLE_FIELDS:
            value = (params.get(field) or "").strip()
            if value and getattr(device, field) != value:
                setattr(device, field, value)
                changed.append(field)
        if changed:
            from django.core.exceptions import ValidationError

            try:
                device.full_clean(exclude=["key", "name", "mac_address"], validate_unique=False)
            except ValidationError as error:
                raise Refused(f"error: {registration._messages(error)}", 400) from None
            type(device).objects.filter(pk=device.pk).update(
                **{field: getattr(device, field) for field in changed}
            )
        return ControllerResponse("update-info: success")


class BaseRegisterView(ControllerView):
    """POST: automatic registration with the shared secret."""

    def new_device_fields(self, params):
        """Extra field values for a device created by registration (an extender's hook,
        e.g. ``{"organization": ...}``)."""
        return {}

    def post(self, request):
        if not app_settings.REGISTRATION_ENABLED:
            raise Refused("error: registration disabled", 403)
        params = self.params(request)
        self.require(params, "secret", "name", "mac_address", "backend")
        try:
            registration.check_secret(params["secret"])
            result = registration.register(
                params,
                self.remote_addr(request),
                device_model=self.device_model,
                new_device_fields=self.new_device_fields(params),
            )
        except registration.RegistrationError as error:
            raise Refused(error.message, error.status) from None
        device = result.device
        body = (
            "registration-result: success\n"
            f"uuid: {device.pk.hex}\n"
            f"key: {device.key}\n"
            f"hostname: {device.name}\n"
            f"is-new: {int(result.is_new)}\n"
        )
        return ControllerResponse(body, status=201)


# the VPN server agent's views, configured with ``model = Vpn``
from .vpn import BaseVpnChecksumView, BaseVpnDownloadConfigView  # noqa: E402, F401
