from django_netjsonconfig.management.commands.netjsonconfig_render_pending import Command  # noqa: F401
