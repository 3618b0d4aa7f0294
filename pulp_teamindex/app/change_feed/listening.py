"""The content apps' side of the change feed: hear every change, apply it, acknowledge it.

A content app listens on one connection of its own for its lifetime; while that connection is
down it must not serve from memory, since changes made meanwhile are never heard.
"""

import asyncio
import logging

from django.db import connection

from pulp_teamindex.app.change_feed import CHANNEL, LISTENER, NOTIFY
from pulp_teamindex.app.change_feed.messages import ack_key, split_reply

RECONNECT_DELAY = 1.0
# A connection can die without a word (a dropped network path, a killed proxy): the listener
# proves it alive this often, and TCP keepalives catch a silent peer within seconds.
LIVENESS_INTERVAL = 2.0
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 2}

log = logging.getLogger(__name__)


async def _follow(conn, on_change):
    """Apply what arrives, then acknowledge it; with nothing for a while, prove the connection
    alive by a round trip within the interval (or it counts as lost)."""
    notes = conn.notifies(timeout=LIVENESS_INTERVAL, stop_after=1)
    applied = [split_reply(note.payload) async for note in notes]
    for _, payload in applied:
        on_change(payload)
    for reply, payload in applied:
        if reply is not None:
            await conn.execute(NOTIFY, [reply, ack_key(payload)])
    if not applied:
        await asyncio.wait_for(conn.execute("SELECT 1"), LIVENESS_INTERVAL)


async def listen(on_change, on_connected, on_lost):
    """Call `on_change(payload)` for every notification, forever, reconnecting after failures.

    `on_connected` and `on_lost` bracket the time notifications can be trusted: while the
    connection is down the caller must not serve from memory.
    """
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.update(application_name=LISTENER, **KEEPALIVE)
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(**params, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                on_connected()
                while True:
                    await _follow(conn, on_change)
        except asyncio.CancelledError:
            raise
        except Exception:  # any failure: stop trusting memory, reconnect  # noqa: BLE001
            log.warning("pulp_teamindex change feed lost; reconnecting", exc_info=True)
        on_lost()
        await asyncio.sleep(RECONNECT_DELAY)
