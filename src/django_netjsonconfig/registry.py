"""Small explicit registries: named entries, duplicates refused, dotted paths resolved lazily."""

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class Registry:
    """An ordered set of named entries (callables, or dotted paths to them).

    ``register`` refuses a name already registered and ``unregister`` one that is
    not, with ``ImproperlyConfigured``. A dotted path is imported the first time
    the entry is used.
    """

    def __init__(self, kind):
        self.kind = kind
        self._entries = {}

    def register(self, name, entry):
        if name in self._entries:
            raise ImproperlyConfigured(f'a {self.kind} named "{name}" is already registered')
        self._entries[name] = entry

    def unregister(self, name):
        if name not in self._entries:
            raise ImproperlyConfigured(f'no {self.kind} named "{name}" is registered')
        del self._entries[name]

    def get(self, name):
        """The entry ``name`` (its dotted path imported); ``ImproperlyConfigured`` when
        no entry has that name."""
        if name not in self._entries:
            raise ImproperlyConfigured(f'no {self.kind} named "{name}" is registered')
        entry = self._entries[name]
        if isinstance(entry, str):
            entry = self._entries[name] = import_string(entry)
        return entry

    def __contains__(self, name):
        return name in self._entries

    def names(self):
        return list(self._entries)

    def items(self):
        """``[(name, callable)]`` in registration order."""
        out = []
        for name, entry in list(self._entries.items()):
            if isinstance(entry, str):
                entry = self._entries[name] = import_string(entry)
            out.append((name, entry))
        return out
