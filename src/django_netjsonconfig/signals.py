"""The public signals.

Each is sent by a service after the change it reports has been committed
(``transaction.on_commit``). They are for other apps; this app's own workflow
never depends on them.
"""

from django.dispatch import Signal

#: The rendered configuration of a device changed (its checksum changed).
#: Not sent on creation, nor for ``post_clear`` of the templates relation.
#: Arguments: ``instance`` (Config), ``previous_status``, ``action`` (one of
#: ``config_changed``, ``related_template_changed``, ``m2m_templates_changed``),
#: and for compatibility ``config`` (same as instance) and ``device``.
config_modified = Signal()

#: ``Config.status`` changed. Arguments: ``instance`` (Config).
config_status_changed = Signal()

#: ``Config.backend`` changed (not on creation). Arguments: ``instance``,
#: ``old_backend``, ``backend``.
config_backend_changed = Signal()

#: A device fetched its checksum successfully. Arguments: ``instance`` (Device),
#: ``request``.
checksum_requested = Signal()

#: A device downloaded its configuration successfully. Arguments: ``instance``
#: (Device), ``request``.
config_download_requested = Signal()

#: A device registered through the controller. Arguments: ``instance`` (Device),
#: ``is_new`` (bool).
device_registered = Signal()

#: ``Device.name`` changed (not on creation). Arguments: ``instance``.
device_name_changed = Signal()

#: ``Device.group`` changed (not on creation). Arguments: ``instance``,
#: ``group_id``, ``old_group_id``.
device_group_changed = Signal()

#: The templates of a device group changed. Arguments: ``instance``
#: (DeviceGroup), ``templates``, ``old_templates`` (lists of Template).
group_templates_changed = Signal()

#: ``Device.management_ip`` changed (not on creation). Arguments: ``instance``,
#: ``management_ip``, ``old_management_ip``.
management_ip_changed = Signal()

#: A VPN server changed. Arguments: ``instance`` (Vpn).
vpn_server_modified = Signal()

#: The peers of a WireGuard or VXLAN server changed. Arguments: ``instance`` (Vpn).
vpn_peers_changed = Signal()

#: Subnets and addresses were provisioned for a VPN client. Arguments:
#: ``instance`` (VpnClient), ``provisioned`` (dict or None).
subnet_provisioned = Signal()

#: ``DeviceConnection.is_working`` changed. Arguments: ``instance``,
#: ``is_working``, ``old_is_working``, ``failure_reason``, ``old_failure_reason``.
is_working_changed = Signal()

#: A device offered an SSH host key other than the one recorded for its connection:
#: the connection was refused. Arguments: ``instance`` (DeviceConnection),
#: ``expected`` and ``offered`` (the keys' SHA256 fingerprints).
host_key_mismatch = Signal()
