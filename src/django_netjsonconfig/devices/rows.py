"""Conditional single-row writes, without the ORM's per-call query compilation.

A fan-out batch stores thousands of renders, each with its own condition (the
render token it started from): ``QuerySet.update()`` would compile the same
statement again for every row. :func:`update` builds the SQL once per model,
database and set of fields, and only adapts the values (as the ORM does, with
each field's ``get_db_prep_save``).
"""

from typing import Any

from django.db import connections, router, transaction

_statements: dict[tuple[Any, str, tuple[str, ...], tuple[str, ...]], str] = {}


def _statement(model: Any, using: str, names: tuple[str, ...], conditions: tuple[str, ...]) -> str:
    key = (model, using, names, conditions)
    sql = _statements.get(key)
    if sql is None:
        quote = connections[using].ops.quote_name
        opts = model._meta
        assignments = ", ".join(f"{quote(opts.get_field(n).column)} = %s" for n in names)
        where = " AND ".join(
            f"{quote(opts.get_field(n).column)} = %s" for n in (opts.pk.name, *conditions)
        )
        sql = _statements[key] = f"UPDATE {quote(opts.db_table)} SET {assignments} WHERE {where}"
    return sql


def update(instance: Any, fields: dict[str, Any], **conditions: Any) -> int:
    """``UPDATE`` the row of ``instance`` with ``fields`` (``{name: value}``) where its
    primary key and the ``conditions`` whose value is not None match; returns the number
    of rows written (0 or 1)."""
    model = type(instance)
    using = router.db_for_write(model, instance=instance)
    connection = connections[using]
    conditions = {name: value for name, value in conditions.items() if value is not None}
    names, checked = tuple(fields), tuple(conditions)
    opts = model._meta
    params = [opts.get_field(n).get_db_prep_save(fields[n], connection) for n in names]
    params.append(opts.pk.get_db_prep_value(instance.pk, connection))
    params.extend(opts.get_field(n).get_db_prep_value(conditions[n], connection) for n in checked)
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(_statement(model, using, names, checked), params)
        return cursor.rowcount
