"""Idempotent set-up of a site: an administrator and, optionally, demo data.

Run by ``make run`` at every start. It never prompts and never changes data it
did not create:

* with ``DJANGO_SUPERUSER_USERNAME`` and ``DJANGO_SUPERUSER_PASSWORD`` set, that
  user exists as an active superuser with that password (created or updated;
  ``DJANGO_SUPERUSER_EMAIL`` is optional);
* without them, and only while no superuser exists, it creates ``admin`` with a
  generated password and prints it;
* with ``--demo``, it loads a template and a device group, only into a database
  that has no template, device group or device at all.
"""

import os
import secrets
from argparse import ArgumentParser
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, transaction

from ...devices.templates import validate_standalone

APP_LABEL = "django_netjsonconfig"
DEFAULT_USERNAME = "admin"

DEMO_BACKEND = "netjsonconfig.OpenWrt"
DEMO_TEMPLATE_NAME = "demo-base"
DEMO_GROUP_NAME = "demo"
DEMO_TEMPLATE_CONFIG = {
    "general": {"timezone": "UTC"},
    "interfaces": [
        {
            "name": "lan",
            "type": "ethernet",
            "addresses": [
                {
                    "proto": "static",
                    "family": "ipv4",
                    "address": "{{ lan_ip }}",
                    "mask": 24,
                }
            ],
        }
    ],
    "dns_servers": ["{{ dns_server }}"],
}
DEMO_DEFAULT_VALUES = {"lan_ip": "192.168.1.1", "dns_server": "9.9.9.9"}


class Command(BaseCommand):
    help = (
        "Create the administrator (from DJANGO_SUPERUSER_USERNAME and "
        "DJANGO_SUPERUSER_PASSWORD, or 'admin' with a generated password when no "
        "superuser exists) and, with --demo, demo data in an empty database. "
        "Safe to run at every start."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--demo",
            action="store_true",
            help="Load a demo template and device group when there is no template, "
            "device group or device yet.",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help='The database to use (default: "default").',
        )

    def handle(
        self, *args: Any, demo: bool = False, database: str = DEFAULT_DB_ALIAS, **options: Any
    ) -> None:
        self.database = database
        self.ensure_superuser()
        if demo:
            self.load_demo()

    # --- administrator ------------------------------------------------------------
    def ensure_superuser(self) -> None:
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "").strip()
        if username.strip() or password:
            if not username.strip():
                raise CommandError(
                    "DJANGO_SUPERUSER_PASSWORD is set but DJANGO_SUPERUSER_USERNAME is "
                    "empty: set both, or neither"
                )
            if not password:
                raise CommandError(
                    "DJANGO_SUPERUSER_USERNAME is set but DJANGO_SUPERUSER_PASSWORD is "
                    "empty: set both, or neither"
                )
            self.set_superuser(username.strip(), password, email)
            return
        User = get_user_model()
        manager = User._default_manager.db_manager(self.database)
        if manager.filter(is_superuser=True).exists():
            self.stdout.write("A superuser exists: none created.")
            return
        if manager.filter(**{User.USERNAME_FIELD: DEFAULT_USERNAME}).exists():
            raise CommandError(
                f'No superuser exists, and the user "{DEFAULT_USERNAME}" exists but is '
                "not one: set DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD to "
                "create or promote an administrator"
            )
        password = secrets.token_urlsafe(12)
        self.create_superuser(DEFAULT_USERNAME, password, email)
        self.stdout.write(
            self.style.SUCCESS(
                f'Created the superuser "{DEFAULT_USERNAME}" with the password: {password}\n'
                "It is shown only now; to choose another, set DJANGO_SUPERUSER_USERNAME "
                "and DJANGO_SUPERUSER_PASSWORD and run this command again."
            )
        )

    def validate_username(self, username: str) -> None:
        User = get_user_model()
        field: Any = User._meta.get_field(User.USERNAME_FIELD)
        try:
            field.clean(username, None)
        except ValidationError as exc:
            raise CommandError(
                f"DJANGO_SUPERUSER_USERNAME {username!r} is not valid: {'; '.join(exc.messages)}"
            ) from None

    def create_superuser(self, username: str, password: str, email: str) -> None:
        User = get_user_model()
        self.validate_username(username)
        fields = {User.USERNAME_FIELD: username}
        email_field = User.get_email_field_name()
        if email and email_field:
            fields[email_field] = email
        User._default_manager.db_manager(self.database).create_superuser(
            password=password, **fields
        )

    def set_superuser(self, username: str, password: str, email: str) -> None:
        User = get_user_model()
        manager = User._default_manager.db_manager(self.database)
        with transaction.atomic(using=self.database):
            user = manager.select_for_update().filter(**{User.USERNAME_FIELD: username}).first()
            if user is None:
                self.create_superuser(username, password, email)
                self.stdout.write(self.style.SUCCESS(f'Created the superuser "{username}".'))
                return
            changed = []
            for flag in ("is_superuser", "is_staff", "is_active"):
                if hasattr(user, flag) and not getattr(user, flag):
                    setattr(user, flag, True)
                    changed.append(flag)
            email_field = User.get_email_field_name()
            if email and email_field and getattr(user, email_field, None) != email:
                setattr(user, email_field, email)
                changed.append(email_field)
            # an unchanged password keeps its hash, so sessions stay valid
            if not user.check_password(password):
                user.set_password(password)
                changed.append("password")
            if changed:
                user.save(using=self.database)
                self.stdout.write(
                    self.style.SUCCESS(f'Updated the superuser "{username}": {", ".join(changed)}.')
                )
            else:
                self.stdout.write(f'The superuser "{username}" is up to date.')

    # --- demo data ----------------------------------------------------------------
    def load_demo(self) -> None:
        Template = apps.get_model(APP_LABEL, "Template")
        DeviceGroup = apps.get_model(APP_LABEL, "DeviceGroup")
        Device = apps.get_model(APP_LABEL, "Device")
        with transaction.atomic(using=self.database):
            existing = [
                model._meta.verbose_name_plural
                for model in (Template, DeviceGroup, Device)
                if model._default_manager.using(self.database).exists()
            ]
            if existing:
                self.stdout.write(
                    "Demo data not loaded: the database already has "
                    + ", ".join(str(name) for name in existing)
                    + "."
                )
                return
            template = Template(
                name=DEMO_TEMPLATE_NAME,
                backend=DEMO_BACKEND,
                config=DEMO_TEMPLATE_CONFIG,
                default_values=DEMO_DEFAULT_VALUES,
                default=True,  # so that a device registering right away gets it
                notes="Demo template loaded by netjsonconfig_bootstrap --demo.",
            )
            group = DeviceGroup(
                name=DEMO_GROUP_NAME,
                description="Demo device group loaded by netjsonconfig_bootstrap --demo.",
            )
            for obj in (template, group):
                try:
                    obj.full_clean()
                    if obj is template:
                        # the template must render with its default values
                        validate_standalone(template)
                except ValidationError as exc:
                    raise CommandError(
                        f"invalid demo {obj._meta.verbose_name}: {'; '.join(exc.messages)}"
                    ) from None
                obj.save(using=self.database)
            group.templates.add(template)
        self.stdout.write(
            self.style.SUCCESS(
                f'Loaded the demo: template "{DEMO_TEMPLATE_NAME}" and device group '
                f'"{DEMO_GROUP_NAME}".'
            )
        )
