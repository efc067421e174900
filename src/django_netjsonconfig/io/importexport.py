"""Import and export of devices as CSV or JSON.

One row per device, with these columns (``hardware_id`` too when
``NETJSONCONFIG_HARDWARE_ID_ENABLED``):

=============== ==================================================================
``name``        required; a hostname or a MAC address, unique (case-insensitive)
``mac_address`` required, unique; any usual notation (``aa-bb-...``, ``aabb...``)
``group``       the name of an existing device group, or empty
``model``, ``os``, ``system``, ``notes``   free text
``backend``     dotted path or label of a configured backend; empty: the default
``templates``   names of existing templates of that backend, in order: a JSON list,
                or in CSV names separated by commas; required, default and group
                templates are added as for any new device
``context``     the device variables, a JSON object (in CSV, its JSON text)
``config``      the device's own NetJSON, a JSON object (in CSV, its JSON text)
=============== ==================================================================

In CSV, a cell that a spreadsheet would take for a formula (one starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return, after any leading spaces) is written
with a single quote before it, as is a cell that starts with a quote; an import
removes that one quote, so a file exported then imported gives back the same values
(:func:`defuse_cell`, :func:`restore_cell`). JSON is written as it is.

By job: ``columns``, ``csvformat`` and ``jsonformat`` (reading and writing the
formats), ``exporter``, ``rows`` (checking each row), ``importer``; the names are
all importable from this module, the one other code and extending apps use.

An import creates new devices, each with its configuration, through the same
services as the admin (``configs.save``), all in one transaction: if any row
is wrong, nothing is written, and every wrong row is reported with its number
(row 1 is the first device; in CSV, the line after the header) and the reason.
A dry run does everything but commit, so its report is exactly what the import
would do, rendering errors included.
"""

from .columns import FORMATS, REQUIRED, TEXT_FIELDS, columns
from .csvformat import defuse_cell, restore_cell
from .exporter import export_csv, export_json, export_rows
from .importer import ImportResult, guess_format, import_devices, parse
from .rows import RowError

__all__ = [
    "FORMATS",
    "REQUIRED",
    "TEXT_FIELDS",
    "ImportResult",
    "RowError",
    "columns",
    "defuse_cell",
    "export_csv",
    "export_json",
    "export_rows",
    "guess_format",
    "import_devices",
    "parse",
    "restore_cell",
]
