"""Helpers for the gateway tests: a client around an app, audio bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from wyoming_common.audio import STT_FORMAT, read_wav
from wyoming_web.app import build_app
from wyoming_web.gateway import Gateway
from wyoming_web.settings import WebSettings

HTTP_TIMEOUT = 30

Client = TestClient[web.Request, web.Application]


@asynccontextmanager
async def gateway_client(settings: WebSettings) -> AsyncIterator[Client]:
    """The gateway with these settings on a free loopback port, and a client for it."""
    server = TestServer(build_app(Gateway(settings)), host="127.0.0.1")
    async with TestClient(server) as client:
        yield client


def command_pcm(path: Path) -> bytes:
    """The frames of a 16 kHz mono 16-bit WAV."""
    pcm, fmt = read_wav(path)
    assert fmt == STT_FORMAT
    return pcm
