"""Run the fake standalone: `python -m tests.fake_hass --host 127.0.0.1 --port 8123 --token T`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal

from .server import FakeHomeAssistant

_LOGGER = logging.getLogger(__name__)


def _parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_hass", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("FAKE_HASS_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("FAKE_HASS_PORT", "8123")))
    parser.add_argument("--token", default=os.environ.get("FAKE_HASS_TOKEN", "test-token"))
    parser.add_argument(
        "--response-delay", type=float, default=0.0, help="seconds to wait before each answer"
    )
    parser.add_argument("--debug", action="store_true", help="log at DEBUG")
    return parser.parse_args(argv)


async def _serve(hass: FakeHomeAssistant) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with hass:
        print(hass.url, flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """Start the fake and serve until interrupted."""
    args = _parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO)
    hass = FakeHomeAssistant(args.token, host=args.host, port=args.port)
    hass.response_delay = args.response_delay
    asyncio.run(_serve(hass))


if __name__ == "__main__":
    main()
