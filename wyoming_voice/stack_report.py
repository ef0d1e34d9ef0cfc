"""What `wyoming-voice up` prints once every service answers: where, which engine, and how
Home Assistant reaches them (and when it cannot)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlparse

from wyoming_common.discovery import is_unspecified, routable_address

from .probes import summarize_info
from .stack_process import Out, ServiceStack
from .stack_settings import UpSettings

ROLES = {"stt": "speech-to-text", "tts": "text-to-speech", "llm": "agent", "satellite": "satellite"}
HA_FLAGS = {"stt": "--stt", "tts": "--tts", "llm": "--agent", "satellite": "--satellite"}


def is_loopback(host: str) -> bool:
    """127.0.0.1, ::1, localhost: only programs on this machine can connect."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def print_ready(stack: ServiceStack, settings: UpSettings, out: Out) -> None:
    """Where the services are, which engines they picked, and how to add them to HA."""
    shown = routable_address() if is_unspecified(settings.host) else settings.host
    uris = {c.name: c.uri for c in stack.children}
    if is_unspecified(settings.host):  # listening everywhere: show the address HA can reach
        uris = {n: f"tcp://{shown}:{urlparse(uri).port}" for n, uri in uris.items()}
    out("")
    out("wyoming-voice is up:")
    for child in stack.children:
        summary = "; ".join(summarize_info(stack.infos[child.name], short=True))
        out(f"  {ROLES[child.name]:>14}  {uris[child.name]}  {summary or '(no programs)'}")
    out("")
    if is_loopback(settings.host):
        out(f"They listen on {settings.host} only: a Home Assistant on this machine can use them,")
        out("one on another machine (or in a container with its own network) cannot. For that,")
        out("start with --host 0.0.0.0 (the default) or this machine's address.")
    out("Add them to Home Assistant: Settings → Devices & services → Add integration →")
    discovered = " (or confirm the discovered ones: zeroconf is on)." if settings.zeroconf else "."
    out(f"'Wyoming Protocol', host {shown}, one entry per port{discovered}")
    command = " ".join(f"{HA_FLAGS[name]} {uri}" for name, uri in uris.items())
    out(f"Or in one go: wyoming-voice ha-setup --hass-url URL --hass-token-file FILE {command}")
    out("Ctrl-C stops them all.")
