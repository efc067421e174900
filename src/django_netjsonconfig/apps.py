"""App configuration and the resolver through which library code finds models.

Library code never imports concrete models at module level: an extending app
(which does not install ``django_netjsonconfig``) has its own. The one installed
app config that is a :class:`DjangoNetjsonconfigApp` names the concrete models
in ``__setmodels__``; :func:`get_model` returns them.
"""

from django.apps import AppConfig, apps
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, router
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _

MODEL_ATTRIBUTES = {
    "device": "device_model",
    "config": "config_model",
    "template": "template_model",
    "devicegroup": "devicegroup_model",
    "vpn": "vpn_model",
    "vpnclient": "vpnclient_model",
    "ca": "ca_model",
    "cert": "cert_model",
    "bulkjob": "bulkjob_model",
}


class DjangoNetjsonconfigApp(AppConfig):
    name = "django_netjsonconfig"
    label = "django_netjsonconfig"
    verbose_name = _("Network configuration")
    default_auto_field = "django.db.models.BigAutoField"

    def __setmodels__(self):
        """Name the concrete models. An extending app overrides this."""
        from .models import Ca, Cert, Config, Device, DeviceGroup, Template, Vpn, VpnClient

        self.device_model = Device
        self.config_model = Config
        self.template_model = Template
        self.devicegroup_model = DeviceGroup
        self.vpn_model = Vpn
        self.vpnclient_model = VpnClient
        self.ca_model = Ca
        self.cert_model = Cert
        from .models import BulkJob

        self.bulkjob_model = BulkJob

    def ready(self):
        self.__setmodels__()
        config_model = getattr(self, "config_model", None)
        if config_model is not None and getattr(self, "device_model", None) is None:
            # the seed's recipe names only Config (and VpnClient): derive the rest
            self.device_model = config_model._meta.get_field("device").related_model
        if config_model is not None:
            if getattr(self, "template_model", None) is None:
                self.template_model = config_model._meta.get_field("templates").related_model
            if getattr(self, "devicegroup_model", None) is None:
                group = self.device_model._meta.get_field("group")
                self.devicegroup_model = group.related_model
            _derive_vpn_models(self)
            _derive_bulkjob_model(self)
        from . import receivers
        from .checks import check_shared_secret, check_sqlite_transactions

        check_shared_secret()
        checks.register(check_sqlite_transactions)
        connection_created.connect(
            immediate_sqlite_transactions, dispatch_uid="netjsonconfig-sqlite-immediate"
        )
        receivers.connect_model_receivers(self)
        from .services import history

        history.connect(self)


def _written_aliases(app):
    """The database aliases the app's models are written to (the routers' choice)."""
    models = [getattr(app, attribute, None) for attribute in MODEL_ATTRIBUTES.values()]
    return {router.db_for_write(m) or DEFAULT_DB_ALIAS for m in models if m is not None}


def immediate_sqlite_transactions(sender, connection, **kwargs):
    """Start the transactions of a SQLite connection the app writes with as
    ``BEGIN IMMEDIATE`` when its ``OPTIONS`` name no ``transaction_mode``.

    Django's default is a deferred ``BEGIN``: the transaction reads first, then asks
    to upgrade its read lock to the write lock. When another connection writes at that
    moment, SQLite cannot wait (the two would wait for each other) and fails at once
    with "database is locked", whatever the busy timeout. An immediate transaction
    takes the write lock when it starts, and waits for it up to the timeout. An admin
    save and a registering device are such read-then-write transactions. A
    ``transaction_mode`` in the settings (``"DEFERRED"`` included) is left as it is.
    """
    if connection.vendor != "sqlite" or connection.transaction_mode is not None:
        return
    if "transaction_mode" in (connection.settings_dict.get("OPTIONS") or {}):
        return
    try:
        aliases = _written_aliases(get_models_app())
    except ImproperlyConfigured:
        return
    if connection.alias in aliases:
        connection.transaction_mode = "IMMEDIATE"


def _derive_vpn_models(app):
    """The VPN and PKI models an app config does not name, from the relations of the
    ones it does: ``Config.vpn`` (through ``VpnClient``), ``VpnClient.vpn``, ``Vpn.ca``,
    ``Vpn.cert``. A config model without ``vpn`` means no VPN feature."""

    def related(model, name):
        try:
            field = model._meta.get_field(name)
        except Exception:  # FieldDoesNotExist: the extender left the feature out
            return None
        return field.related_model

    if getattr(app, "vpnclient_model", None) is None:
        try:
            field = app.config_model._meta.get_field("vpn")
            app.vpnclient_model = field.remote_field.through
        except Exception:
            app.vpnclient_model = None
    client = app.vpnclient_model
    if getattr(app, "vpn_model", None) is None:
        app.vpn_model = related(client, "vpn") if client is not None else None
    vpn = app.vpn_model
    if getattr(app, "ca_model", None) is None:
        app.ca_model = related(vpn, "ca") if vpn is not None else None
    if getattr(app, "cert_model", None) is None:
        app.cert_model = related(vpn, "cert") if vpn is not None else None


def _derive_bulkjob_model(app):
    """The bulk job model, optional: a ``BulkJob`` in the app of the config model.
    Without one, the admin's bulk actions run in the request whatever their size."""
    if getattr(app, "bulkjob_model", None) is None:
        try:
            app.bulkjob_model = apps.get_model(app.config_model._meta.app_label, "BulkJob")
        except LookupError:
            app.bulkjob_model = None


def get_models_app():
    """The installed app config that owns the concrete models."""
    found = [c for c in apps.get_app_configs() if isinstance(c, DjangoNetjsonconfigApp)]
    if len(found) != 1:
        raise ImproperlyConfigured(
            "exactly one installed app must be django_netjsonconfig or extend "
            f"DjangoNetjsonconfigApp; found {len(found)}"
        )
    return found[0]


def get_model(name):
    """The concrete model for ``name`` (device, config, template, devicegroup, ...)."""
    model = getattr(get_models_app(), MODEL_ATTRIBUTES[name], None)
    if model is None:
        raise ImproperlyConfigured(f"no concrete {name} model is configured")
    return model


def get_optional_model(name):
    """Like :func:`get_model`, but None when the feature's model is not configured
    (an extending app without the VPN models, for instance)."""
    return getattr(get_models_app(), MODEL_ATTRIBUTES[name], None)
