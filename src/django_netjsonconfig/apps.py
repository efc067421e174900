"""App configuration and the resolver through which library code finds models.

Library code never imports concrete models at module level: an extending app
(which does not install ``django_netjsonconfig``) has its own. The one installed
app config that is a :class:`DjangoNetjsonconfigApp` names the concrete models
in ``__setmodels__``; :func:`get_model` returns them.

This module is at the bottom of the package's layers (everything may call
:func:`get_model`), so it imports none of the package's modules: ``ready()`` runs
the hooks of :data:`READY_HOOKS`, named by dotted path.
"""

from collections.abc import Iterable, Iterator
from typing import Any

from django.apps import AppConfig, apps
from django.core import checks
from django.core.checks import CheckMessage
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, router
from django.db.models import Model
from django.utils.module_loading import import_string
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
    "credentials": "credentials_model",
    "deviceconnection": "deviceconnection_model",
    "command": "command_model",
    "notification": "notification_model",
    "notificationsetting": "notificationsetting_model",
}
#: optional models found by class name in the app of the config model when
#: ``__setmodels__`` does not name them: without a ``BulkJob`` the admin's bulk actions
#: run in the request whatever their size; without the connection models nothing acts
#: on devices; without a ``Notification`` and a ``NotificationSetting`` nobody is notified
OPTIONAL_MODELS = {
    "bulkjob": "BulkJob",
    "credentials": "Credentials",
    "deviceconnection": "DeviceConnection",
    "command": "Command",
    "notification": "Notification",
    "notificationsetting": "NotificationSetting",
}

#: What ``ready()`` runs once the models are named, in this order: functions that take
#: the app config, by dotted path (resolved then, so that this module imports none of
#: the modules above it): the start-up checks, the model receivers, the hooks between
#: the rooms and history (``wiring``), the queue's tasks.
READY_HOOKS: tuple[str, ...] = (
    "django_netjsonconfig.checks.connect",
    "django_netjsonconfig.receivers.connect_model_receivers",
    "django_netjsonconfig.wiring.connect",
    "django_netjsonconfig.tasks.ready",
)


class DjangoNetjsonconfigApp(AppConfig):
    name = "django_netjsonconfig"
    label = "django_netjsonconfig"
    verbose_name = _("Network configuration")
    default_auto_field = "django.db.models.BigAutoField"

    # set by __setmodels__ (or derived by ready() from the config model's relations)
    device_model: type[Any] | None
    config_model: type[Any] | None
    template_model: type[Any] | None
    devicegroup_model: type[Any] | None
    vpn_model: type[Any] | None
    vpnclient_model: type[Any] | None
    ca_model: type[Any] | None
    cert_model: type[Any] | None
    bulkjob_model: type[Any] | None
    credentials_model: type[Any] | None
    deviceconnection_model: type[Any] | None
    command_model: type[Any] | None
    notification_model: type[Any] | None
    notificationsetting_model: type[Any] | None

    def __setmodels__(self) -> None:
        """Name the concrete models. An extending app overrides this."""
        # Django imports the models after the app configs: not at module level (the one
        # import of a higher layer this module makes, when ready() runs)
        from .models import (  # noqa: TID251
            BulkJob,
            Ca,
            Cert,
            Command,
            Config,
            Credentials,
            Device,
            DeviceConnection,
            DeviceGroup,
            Notification,
            NotificationSetting,
            Template,
            Vpn,
            VpnClient,
        )

        self.device_model = Device
        self.config_model = Config
        self.template_model = Template
        self.devicegroup_model = DeviceGroup
        self.vpn_model = Vpn
        self.vpnclient_model = VpnClient
        self.ca_model = Ca
        self.cert_model = Cert
        self.bulkjob_model = BulkJob
        self.credentials_model = Credentials
        self.deviceconnection_model = DeviceConnection
        self.command_model = Command
        self.notification_model = Notification
        self.notificationsetting_model = NotificationSetting

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # INSTALLED_APPS may name an extending app by its module ("yourapp"): Django then
        # takes the one AppConfig subclass of yourapp/apps.py, but finds two there (this
        # class, imported, and yours) and falls back to a plain AppConfig. A subclass is
        # the default of its module unless it says otherwise.
        super().__init_subclass__(**kwargs)
        if "default" not in cls.__dict__:
            cls.default = True

    def ready(self) -> None:
        self.__setmodels__()
        if getattr(self, "config_model", None) is None:
            raise ImproperlyConfigured(
                f"{_path(self)}.__setmodels__() names no config model: write "
                "`from .models import Config` and `self.config_model = Config` in it "
                "(see docs/extending.md)"
            )
        _derive_models(self)
        for hook in READY_HOOKS:
            import_string(hook)(self)


def _written_aliases(app: DjangoNetjsonconfigApp) -> set[str]:
    """The database aliases the app's models are written to (the routers' choice)."""
    models = [getattr(app, attribute, None) for attribute in MODEL_ATTRIBUTES.values()]
    return {router.db_for_write(m) or DEFAULT_DB_ALIAS for m in models if m is not None}


def immediate_sqlite_transactions(sender: Any, connection: Any, **kwargs: Any) -> None:
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


def _path(app_config: AppConfig) -> str:
    return f"{type(app_config).__module__}.{type(app_config).__qualname__}"


#: what an extending app writes for each model: (class name, abstract base, its module)
RECIPES = {
    "device": ("Device", "AbstractDevice", "device"),
    "template": ("Template", "AbstractTemplate", "template"),
    "devicegroup": ("DeviceGroup", "AbstractDeviceGroup", "device_group"),
    "vpnclient": ("VpnClient", "AbstractVpnClient", "vpn"),
    "vpn": ("Vpn", "AbstractVpn", "vpn"),
    "ca": ("Ca", "AbstractCa", "pki"),
    "cert": ("Cert", "AbstractCert", "pki"),
}


def _derive_models(app: DjangoNetjsonconfigApp) -> None:
    """The models ``__setmodels__`` does not name, from the relations of the config
    model; ImproperlyConfigured naming every model that is missing."""
    missing: list[tuple[str, str, Any]] = []

    def related(owner: Any, field_name: str, name: str, *, through: bool = False) -> Any:
        """``owner.field_name``'s target (its through model with ``through``): a model,
        None when ``owner`` has no such field, or a string Django could not resolve."""
        try:
            field: Any = owner._meta.get_field(field_name)
        except FieldDoesNotExist:  # the extender left the feature out
            return None
        target = field.remote_field.through if through else field.related_model
        if isinstance(target, str):
            missing.append((name, f"{owner.__name__}.{field_name}", target))
            return None
        return target

    config = app.config_model
    if getattr(app, "device_model", None) is None:
        app.device_model = related(config, "device", "device")
    if getattr(app, "template_model", None) is None:
        app.template_model = related(config, "templates", "template")
    if getattr(app, "devicegroup_model", None) is None and app.device_model is not None:
        app.devicegroup_model = related(app.device_model, "group", "devicegroup")
    if getattr(app, "vpnclient_model", None) is None:
        app.vpnclient_model = related(config, "vpn", "vpnclient", through=True)
    client = app.vpnclient_model
    if getattr(app, "vpn_model", None) is None:
        app.vpn_model = related(client, "vpn", "vpn") if client is not None else None
    vpn = app.vpn_model
    for name in ("ca", "cert"):
        attribute = MODEL_ATTRIBUTES[name]
        if getattr(app, attribute, None) is None:
            setattr(app, attribute, related(vpn, name, name) if vpn is not None else None)
    for name, attribute in MODEL_ATTRIBUTES.items():
        value = getattr(app, attribute, None)
        if value is not None and not hasattr(value, "_meta"):
            missing.append((name, f"__setmodels__: self.{attribute}", value))
    if missing:
        raise ImproperlyConfigured(_missing_models_message(app, missing))
    _derive_optional_models(app)


def _missing_models_message(
    app: DjangoNetjsonconfigApp, missing: list[tuple[str, str, Any]]
) -> str:
    lines = [f"{_path(app)}: the app's models are incomplete."]
    for name, where, target in missing:
        class_name, base, module = RECIPES.get(name, (str(target), "", ""))
        attribute = MODEL_ATTRIBUTES[name]
        lines.append(
            f"No {class_name} model: {where} is {target!r}, which is not an installed model. "
            f"Define it in {app.name}.models:\n"
            f"    from django_netjsonconfig.base.{module} import {base}\n"
            f"    class {class_name}({base}):\n"
            f"        class Meta({base}.Meta):\n"
            f"            abstract = False\n"
            f"  (and run makemigrations), or name your own in __setmodels__: "
            f"self.{attribute} = {class_name}. See docs/extending.md."
        )
    return "\n".join(lines)


def _derive_optional_models(app: DjangoNetjsonconfigApp) -> None:
    """The optional models (:data:`OPTIONAL_MODELS`) ``__setmodels__`` does not name."""
    config: Any = app.config_model
    for name, class_name in OPTIONAL_MODELS.items():
        attribute = MODEL_ATTRIBUTES[name]
        if getattr(app, attribute, None) is None:
            try:
                setattr(app, attribute, apps.get_model(config._meta.app_label, class_name))
            except LookupError:
                setattr(app, attribute, None)


def get_models_app() -> DjangoNetjsonconfigApp:
    """The installed app config that owns the concrete models."""
    found = [c for c in apps.get_app_configs() if isinstance(c, DjangoNetjsonconfigApp)]
    if len(found) != 1:
        raise ImproperlyConfigured(models_app_problem(found))
    return found[0]


def _subclasses(cls: type[Any]) -> Iterator[type[Any]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _extends_our_models(model: type[Model]) -> bool:
    return any(base.__module__.startswith("django_netjsonconfig.base.") for base in model.__mro__)


def models_app_problem(found: list[DjangoNetjsonconfigApp]) -> str:
    """Why there is not exactly one installed ``DjangoNetjsonconfigApp``: a message that
    says what to list in ``INSTALLED_APPS``."""
    if len(found) > 1:
        return (
            "exactly one installed app config may be django_netjsonconfig or extend "
            f"DjangoNetjsonconfigApp; INSTALLED_APPS has {len(found)}: "
            + ", ".join(_path(c) for c in found)
            + ". An app that extends django-netjsonconfig replaces django_netjsonconfig "
            "in INSTALLED_APPS (list django_netjsonconfig.assets for our templates and "
            "static files); keep one of them"
        )
    problems = []
    for config in apps.get_app_configs():
        if not any(_extends_our_models(m) for m in config.get_models()):
            continue
        ours = [
            f"{c.__module__}.{c.__qualname__}"
            for c in _subclasses(DjangoNetjsonconfigApp)
            if c.__module__ == config.name or c.__module__.startswith(config.name + ".")
        ]
        what = (
            f'"{ours[0]}"'
            if ours
            else "the dotted path of its app config, a subclass of DjangoNetjsonconfigApp "
            f'(e.g. "{config.name}.apps.YourAppConfig")'
        )
        problems.append(
            f'the app "{config.name}" has models that extend django-netjsonconfig\'s, '
            f"but its app config is {_path(config)}, not a subclass of "
            f'DjangoNetjsonconfigApp: list {what} in INSTALLED_APPS instead of "{config.name}"'
        )
    if problems:
        return "; ".join(problems) + " (see docs/extending.md)"
    return (
        "no installed app config is django_netjsonconfig or extends DjangoNetjsonconfigApp: "
        'add "django_netjsonconfig" to INSTALLED_APPS or, for an app that extends it, the '
        'dotted path of its app config, e.g. "yourapp.apps.YourConfig" (see '
        "docs/extending.md)"
    )


def check_models_app(
    app_configs: Iterable[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Exactly one installed app config owns the concrete models (registered when this
    module is imported: our app's config, or an extending app's, imports it)."""
    found = [c for c in apps.get_app_configs() if isinstance(c, DjangoNetjsonconfigApp)]
    if len(found) == 1:
        return []
    return [checks.Error(models_app_problem(found), id="django_netjsonconfig.E001")]


checks.register(check_models_app)

# Imported once the models are loaded (by an admin module, say) while no installed app
# config is ours: the site is misconfigured, and the extending app's relations ("config.
# Template") point nowhere. Say so now rather than fail later on a string model.
if apps.models_ready and not any(
    isinstance(c, DjangoNetjsonconfigApp) for c in apps.get_app_configs()
):
    raise ImproperlyConfigured(models_app_problem([]))


def get_model(name: str) -> type[Any]:
    """The concrete model for ``name`` (device, config, template, devicegroup, ...)."""
    model = getattr(get_models_app(), MODEL_ATTRIBUTES[name], None)
    if model is None:
        raise ImproperlyConfigured(f"no concrete {name} model is configured")
    return model


def get_optional_model(name: str) -> type[Any] | None:
    """Like :func:`get_model`, but None when the feature's model is not configured
    (an extending app without the VPN models, for instance)."""
    return getattr(get_models_app(), MODEL_ATTRIBUTES[name], None)
