from django_netjsonconfig.management.commands.netjsonconfig_reseal import Command  # noqa: F401
