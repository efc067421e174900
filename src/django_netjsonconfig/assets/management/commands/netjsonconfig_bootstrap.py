from django_netjsonconfig.management.commands.netjsonconfig_bootstrap import Command  # noqa: F401
