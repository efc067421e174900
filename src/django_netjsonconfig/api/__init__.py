"""The REST API (``/api/v1/``): devices, templates, groups, VPN servers, CAs and
certificates, with the paths, field names and filters of OpenWISP Controller's API.

An optional extra (``pip install django-netjsonconfig[api]``): the app works without it.
A site enables it with the apps and the URLs of ``docs/api.md``. Writes go through the
admin's forms and the services behind them (``api.writes``), so a save from the API
renders, signals and keeps versions exactly as one from the admin.
"""
