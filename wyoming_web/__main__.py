"""`wyoming-voice web` / `python -m wyoming_web`: wiring only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import ssl
import sys
from collections.abc import Sequence

from aiohttp import web

from wyoming_common.command import run_service, setup_logging

from .app import build_app
from .gateway import Gateway
from .settings import WebSettings, load_settings

_LOGGER = logging.getLogger(__name__)


def _ssl_context(settings: WebSettings) -> ssl.SSLContext | None:
    if settings.ssl_certfile is None or settings.ssl_keyfile is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.ssl_certfile, settings.ssl_keyfile)
    return context


async def serve(settings: WebSettings, stop: asyncio.Event | None = None) -> None:
    """Serve until stop is set; without one, until SIGINT/SIGTERM."""
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(build_app(Gateway(settings)), access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port, ssl_context=_ssl_context(settings))
        await site.start()
        scheme = "https" if settings.ssl_certfile else "http"
        for host, port, *_rest in runner.addresses:
            _LOGGER.info("Voice console at %s://%s:%s/", scheme, host, port)
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice web") -> int:
    """Run the console and gateway until SIGTERM/SIGINT."""
    settings = load_settings(argv, prog)
    setup_logging(settings.debug, settings.log_format)
    return run_service(prog, serve(settings))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], "python -m wyoming_web"))
