"""The doctor's network checks: the service ports (free, ours, someone else's, reachable from
other machines) and Home Assistant (reachable, token accepted)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_common.discovery import routable_address
from wyoming_common.hass import (
    HomeAssistantAuthError,
    HomeAssistantClient,
    HomeAssistantConnectionError,
    HomeAssistantError,
)

from .doctor_system import Check
from .port_check import check_port as port_state
from .port_check import who_command


async def reachable_from_outside(port: int, timeout: float = 2.0) -> bool | None:
    """Whether the service on port answers at this machine's LAN address (None: no LAN)."""
    address = routable_address()
    if address.startswith("127."):
        return None
    try:
        await describe(f"tcp://{address}:{port}", timeout=timeout)
    except ServiceUnavailableError:
        return False
    return True


async def check_port(host: str, port: int) -> Check:
    """Free, in use by a Wyoming service (fine: it is running; a problem when a Home Assistant
    elsewhere cannot reach it), or taken by something else."""
    state = await port_state(host, port)
    if state.state == "free":
        return Check("port", "ok", f"{port} is free")
    if state.state == "error":
        return Check("port", "FAIL", f"{port}: {state.detail}", "choose another port or --host")
    if state.state == "taken":
        fix = f"stop it (`{who_command(port)}` shows which) or give our service another --uri"
        return Check("port", "FAIL", f"{port} is taken by {state.detail}", fix)
    outside = await reachable_from_outside(port)
    if outside is False:
        fix = (
            f"start it with --uri tcp://0.0.0.0:{port} (`up --host 0.0.0.0`) unless Home "
            "Assistant runs on this machine"
        )
        detail = (
            f"{port}: {state.detail} listens on 127.0.0.1 only: a Home Assistant on another "
            "machine cannot reach it"
        )
        return Check("port", "warn", detail, fix)
    return Check("port", "ok", f"{port}: {state.detail}")


async def check_hass(url: str, token_file: Path, timeout: float) -> Check:
    """Home Assistant answers /api/ and /api/config with this token (the one HA client)."""
    try:
        token = (await asyncio.to_thread(token_file.read_text, encoding="utf-8")).strip()
    except OSError as err:
        return Check("hass", "FAIL", f"cannot read {token_file}: {err.strerror}", "fix the path")
    try:
        async with HomeAssistantClient(url, token, request_timeout=timeout) as client:
            version = await client.check()
    except ValueError as err:  # not an http(s)://HOST:PORT URL
        return Check("hass", "FAIL", str(err), "e.g. --hass-url http://homeassistant.local:8123")
    except HomeAssistantAuthError:
        fix = "create a long-lived access token (your profile → Security) and save it in the file"
        return Check("hass", "FAIL", f"{url} rejected the token in {token_file}", fix)
    except HomeAssistantConnectionError as err:
        fix = "check --hass-url (e.g. http://homeassistant.local:8123), that HA runs, the network"
        return Check("hass", "FAIL", f"cannot reach {url}: {err}", fix)
    except HomeAssistantError as err:
        fix = "is that Home Assistant's URL, with the `api` integration enabled?"
        return Check("hass", "FAIL", f"{url} answered: {err}", fix)
    return Check("hass", "ok", f"Home Assistant {version} at {url}, token accepted")
