"""django-netjsonconfig: configuration manager for fleets of embedded network devices."""

__version__ = "1.0.0.dev0"

import os as _os

#: Directories an extending app adds to ``TEMPLATES["DIRS"]`` and
#: ``STATICFILES_DIRS``, since it does not install this app.
TEMPLATES_DIR = _os.path.join(_os.path.dirname(__file__), "templates")
STATIC_DIR = _os.path.join(_os.path.dirname(__file__), "static")
