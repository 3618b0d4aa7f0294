"""A TCP link on loopback that a test can cut and restore: the service behind it keeps running
(and keeps its state), but nobody reaches it while the link is cut, as in a network outage.
Given an SSL context, the link also terminates TLS in front of the service, as a deployment's
proxy does (clients such as uv speak only HTTPS to trusted publishing endpoints)."""

import asyncio
import contextlib
import socket
import threading


class Link:
    def __init__(self, ssl_context=None):
        self._ssl = ssl_context
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.target_port = None
        self._loop = asyncio.new_event_loop()
        self._server = None
        self._open = set()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()

    @property
    def url(self):
        return f"{'https' if self._ssl else 'http'}://127.0.0.1:{self.port}"

    def connect(self, target_port):
        self.target_port = target_port
        self.restore()

    def restore(self):
        """Accept connections again."""
        self._call(self._listen())

    def cut(self):
        """Refuse new connections and reset the open ones."""
        self._call(self._cut())

    def close(self):
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)

    def _call(self, coroutine):
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _listen(self):
        if self._server is None:
            self._server = await asyncio.start_server(
                self._relay, "127.0.0.1", self.port, ssl=self._ssl
            )

    async def _cut(self):
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._open):
            writer.transport.abort()

    async def _relay(self, reader, writer):
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.target_port
            )
        except OSError:
            writer.transport.abort()
            return
        self._open.update((writer, upstream_writer))
        try:
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        finally:
            self._open.difference_update((writer, upstream_writer))


async def _pipe(reader, writer):
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(ConnectionError, OSError, RuntimeError):
        writer.close()
