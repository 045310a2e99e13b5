"""Stop a request's work when its client goes away, so that its SQL stops in PostgreSQL too."""

from __future__ import annotations

import asyncio

from starlette.types import Message, Receive, Scope, Send

from backend.app.asgi import Middleware

# The scope key under which the app below finds an asyncio.Event, set once its client has gone
# away: a cancellation it meets then is the client's doing, any other one the server's (a stop).
CLIENT_GONE = "heritage.client_gone"


class CancelOnDisconnect(Middleware):
    """ASGI middleware: cancel the handler of an HTTP request whose client disconnected.

    Cancelling the handler cancels its database calls; asyncpg then sends PostgreSQL a cancel
    request for the statement in flight, and the overview's task group cancels its siblings.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, watching the connection for a disconnect meanwhile."""
        # The app reads the messages the watcher passes on; the watcher alone calls receive().
        messages: asyncio.Queue[Message] = asyncio.Queue()
        disconnected = asyncio.Event()
        handler = asyncio.ensure_future(
            self.app({**scope, CLIENT_GONE: disconnected}, messages.get, send)
        )

        async def watch() -> None:
            while True:
                message = await receive()
                await messages.put(message)
                if message["type"] == "http.disconnect":
                    disconnected.set()
                    handler.cancel()
                    return

        watcher = asyncio.create_task(watch())
        try:
            await handler
        except asyncio.CancelledError:
            # Nobody is left to answer: a client that went away ends the request quietly, but a
            # cancellation from outside (the server shutting down) goes on up.
            if not disconnected.is_set():
                raise
        finally:
            watcher.cancel()
