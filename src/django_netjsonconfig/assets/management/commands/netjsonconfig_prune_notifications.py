from django_netjsonconfig.management.commands.netjsonconfig_prune_notifications import (  # noqa: F401
    Command,
)
