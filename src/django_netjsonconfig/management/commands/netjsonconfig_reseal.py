"""Encrypt the credentials' secrets again with the first key (key rotation)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...connection.credentials import reseal_all


class Command(BaseCommand):
    help = (
        "Encrypt the stored passwords and private keys of the devices' credentials again "
        "with the first key of NETJSONCONFIG_CREDENTIALS_KEYS. Rotating a key: put the new "
        "key first, keep the old one after it, run this command, then remove the old key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done, unreadable = reseal_all()
        self.stdout.write(f"{done} credentials encrypted with the first key")
        if unreadable:
            raise CommandError(
                "no configured key decrypts the secrets of: "
                + ", ".join(unreadable)
                + " (add the key that encrypted them to NETJSONCONFIG_CREDENTIALS_KEYS)"
            )
