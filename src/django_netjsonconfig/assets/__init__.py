"""Our templates, static files, template tags and management commands, without our models.

An app that extends django-netjsonconfig does not install ``django_netjsonconfig``
(its own app holds the concrete models) but lists ``"django_netjsonconfig.assets"`` in
``INSTALLED_APPS``: the admin templates, the configuration editor's static files, the
``netjsonconfig_admin`` template tags and the ``netjsonconfig_*`` commands are then found
as those of an installed app. No model, no migration. See docs/extending.md.
"""
