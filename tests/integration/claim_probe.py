"""A process that takes one claim of the queue: ``python -m tests.integration.claim_probe
DATABASE KEY HOLD [wait]`` (a SQLite file, or a PostgreSQL URL).

Prints ``got <time>`` (or ``busy``) as soon as it knows, holds the claim ``HOLD`` seconds,
then prints ``releasing <time>`` and lets it go.
"""

import sys
import time


def main(database, key, hold, wait=""):
    from django.conf import settings

    if database.startswith("postgres"):
        import dj_database_url

        db = dj_database_url.parse(database)
    else:
        db = {"ENGINE": "django.db.backends.sqlite3", "NAME": database}
    settings.configure(DATABASES={"default": db}, INSTALLED_APPS=[])
    import django

    django.setup()
    from django_netjsonconfig.queue.claim import claim

    with claim(key, wait=wait == "wait") as held:
        print(f"got {time.time()}" if held else "busy", flush=True)
        if held:
            time.sleep(float(hold))
            print(f"releasing {time.time()}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
