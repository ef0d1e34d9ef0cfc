"""How a connection's failure ends: the `error {text, code}` it answers, at the right log
level, and the gentle close that lets the client read that error."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from .errors import BadRequestError, BusyError, ProtocolError, WyomingVoiceError

_LOGGER = logging.getLogger(__name__)

LINGER_SECONDS = 2.0
LINGER_BYTES = 16 * 1024 * 1024
"""After an error, input is read and dropped for up to this long / this much before closing."""

# Errors caused by what a client sent (or by load): INFO, never a traceback.
_CLIENT_ERRORS = (ProtocolError, BadRequestError, BusyError)


def error_reply(service: str, peer: str, err: BaseException) -> tuple[str, str] | None:
    """Log err and return the (text, code) of the error event that answers it; None when the
    client is gone (nothing to answer)."""
    if isinstance(err, _CLIENT_ERRORS):
        _LOGGER.info("%s: %s from %s: %s", service, err.code, peer, err)
        return str(err), err.code
    if isinstance(err, WyomingVoiceError):
        _LOGGER.warning("%s: %s for %s: %s", service, err.code, peer, err)
        return str(err), err.code
    if isinstance(err, ConnectionError):
        _LOGGER.info("%s: client %s went away: %s", service, peer, err)
        return None
    _LOGGER.error("%s: unexpected error for %s", service, peer, exc_info=err)
    return f"internal error: {err}", "internal-error"


async def linger_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """After an error: end our side (the error, then FIN) and swallow what the client is still
    sending for a moment, so that closing does not reset the connection and throw the error
    away before the client has read it."""
    with contextlib.suppress(ConnectionError, OSError, RuntimeError, TimeoutError):
        if writer.can_write_eof():
            writer.write_eof()
        async with asyncio.timeout(LINGER_SECONDS):
            swallowed = 0
            while swallowed < LINGER_BYTES:
                data = await reader.read(64 * 1024)
                if not data:
                    break
                swallowed += len(data)
