"""The download endpoint: the configuration archive whose MD5 the checksum gives."""

import uuid
from typing import Any

from django.db import connections, router
from django.http import HttpResponse

from .. import signals
from ..devices import configs
from ..polling.records import Cached, Entry
from ..rendering.archivecache import archive_for
from ..rendering.render import RenderError
from .polls import PollView
from .responses import ControllerResponse, Refused


class BaseDownloadConfigView(PollView):
    """GET: the configuration archive (tar.gz) whose MD5 the checksum endpoint gives."""

    signal = signals.config_download_requested

    def answer(self, entry: Entry | Cached) -> HttpResponse:
        archive, name = self.stored_archive(entry)
        response = ControllerResponse.ok(archive, content_type="application/octet-stream")
        response["Content-Disposition"] = f"attachment; filename={name}.tar.gz"
        return response

    def stored_archive(self, entry: Entry | Cached) -> tuple[bytes, str | None]:
        """(archive, device name) for the entry's checksum."""
        # the entry's checksum is current (the poll cache sees to it) and is the MD5 of
        # the archive: the archive under it is the one to send (and the name it was sent
        # with, used while the entry says the name is the same)
        config_id, checksum = entry.config_id, entry.checksum
        assert config_id is not None and checksum is not None  # a usable entry
        return archive_for(
            config_id, checksum, self._load_archive, entry, config_id, name_is=entry.name_is
        )

    def _load_archive(self, entry: Entry | Cached, config_id: uuid.UUID) -> tuple[bytes, str]:
        """(archive, device name) from the database, rendered if it is not stored."""
        row = self._fetch_archive(config_id)
        if row is None:
            raise Refused("error: device has no configuration", 404)
        archive, checksum, name = row
        if archive is not None and checksum == entry.checksum:
            return bytes(archive), name
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
        return rendered.archive, config.device.name

    def _fetch_archive(self, config_id: uuid.UUID) -> tuple[Any, str | None, str] | None:
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
            sql = (model, text)
            type(self)._archive_sql = sql  # type: ignore[attr-defined]
        connection = connections[router.db_for_read(model)]
        with connection.cursor() as cursor:
            cursor.execute(sql[1], [model._meta.pk.get_db_prep_value(config_id, connection)])
            return cursor.fetchone()
