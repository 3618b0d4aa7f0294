"""Tell every content app, at once, that what a team index serves has changed.

The content app keeps which repository version each team index serves in memory, so that a
page request needs no database query. Whatever changes that answer (a new repository version,
a distribution created, repointed or removed) sends a PostgreSQL NOTIFY on one channel; it is
delivered when the change commits, and each content app clears its table when it hears it.
"""

import asyncio
import logging

from django.db import connection

CHANNEL = "pulp_teamindex_changed"
FLUSH = "flush"  # who owns which name changed, or an upstream did: forget every page
RECONNECT_DELAY = 1.0

log = logging.getLogger(__name__)


def notify_changed(payload=""):
    """Queue the notification in the current transaction (sent on commit, dropped on
    rollback), or send it now in autocommit mode. An empty payload means "some index's
    distribution changed"; a new version sends `freshness.message(...)`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, payload])


async def listen(on_change, on_connected, on_lost):
    """Call `on_change(payload)` for every notification, forever, reconnecting after failures.

    `on_connected` and `on_lost` bracket the time notifications can be trusted: while the
    connection is down the caller must not serve from memory.
    """
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(**params, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                on_connected()
                async for notification in conn.notifies():
                    on_change(notification.payload)
        except asyncio.CancelledError:
            raise
        except Exception:  # any failure: stop trusting memory, reconnect  # noqa: BLE001
            log.warning("pulp_teamindex change feed lost; reconnecting", exc_info=True)
        on_lost()
        await asyncio.sleep(RECONNECT_DELAY)
