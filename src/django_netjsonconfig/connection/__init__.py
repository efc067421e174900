"""Acting on devices: SSH connections, pushes of a changed configuration, commands.

- ``connectors``: the connection types (SSH built in) and their parameters' schemas;
- ``ssh``: the SSH connector (paramiko): timeouts, host keys trusted on first use,
  commands with a time limit and a bounded output;
- ``sessions``: a session with a device through one of its connections, and what the
  attempt found (``is_working``, the host key);
- ``strategies``: how a device is asked to update (the openwisp-config agent);
- ``push``: a device asked to update after its configuration changed, once at a time;
- ``commands``: the command types (``register_command``), launching and running them;
- ``credentials``: credentials attached to every device (``auto_add``).
"""
