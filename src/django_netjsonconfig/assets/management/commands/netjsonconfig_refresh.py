from django_netjsonconfig.management.commands.netjsonconfig_refresh import Command  # noqa: F401
