"""`wyoming-voice ha-setup`: add our services to Home Assistant and build an Assist pipeline."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wyoming_common.config import (
    EnvArgumentParser,
    group,
    option,
    positive_float,
    read_env,
    wyoming_uri,
)
from wyoming_common.discovery import browse
from wyoming_common.errors import ConfigError, WyomingVoiceError
from wyoming_common.hass import (
    HomeAssistantAuthError,
    HomeAssistantClient,
    HomeAssistantCommandError,
    HomeAssistantConnectionError,
    rest_url,
)
from wyoming_common.options import read_settings, settings_parser

from .provision import Provisioner
from .report import SetupOptions, SetupReport
from .wyoming_services import Browser, WyomingService, describe_all, discover_services

_LOGGER = logging.getLogger(__name__)

TOKEN_ENV = "WYOMING_HA_SETUP_HASS_TOKEN"


_HA = "Home Assistant"
_SERVICES = "services (tcp:// URIs Home Assistant can reach)"
DESCRIPTION = (
    "Add wyoming-voice services to Home Assistant through its API: a Wyoming config entry per "
    "service (or confirm the zeroconf discoveries), an Assist pipeline with our speech-to-text, "
    "conversation agent and voice, the pipeline on our satellites, and entities exposed to the "
    "assistant. Running it again changes nothing that is already right."
)


@dataclass(frozen=True)
class HaSetupSettings:
    """The ha-setup flags (the token itself is read later, never logged)."""

    hass_url: str | None = option(
        None, section=_HA, help="e.g. http://homeassistant.local:8123 (required)"
    )
    hass_token_file: Path | None = option(
        None,
        type=Path,
        section=_HA,
        help=f"file holding a long-lived access token (or the token in {TOKEN_ENV})",
    )
    stt: str | None = option(
        None, type=wyoming_uri, section=_SERVICES, help="speech-to-text, e.g. tcp://gpu:10300"
    )
    tts: str | None = option(
        None, type=wyoming_uri, section=_SERVICES, help="text-to-speech, e.g. tcp://gpu:10200"
    )
    agent: str | None = option(
        None, type=wyoming_uri, section=_SERVICES, help="conversation agent, tcp://gpu:10500"
    )
    satellites: tuple[str, ...] = option(
        (),
        flag="--satellite",
        repeat=True,
        type=wyoming_uri,
        section=_SERVICES,
        help="a satellite (repeat)",
    )
    discover: bool = option(False, section=_SERVICES, help="find our services by zeroconf instead")
    discover_seconds: float = option(
        3.0, type=positive_float, section=_SERVICES, help="how long to browse"
    )
    options: SetupOptions = group(SetupOptions, title="pipeline")
    timeout: float = option(10.0, type=positive_float, help="seconds per call")
    debug: bool = option(False, help="log at DEBUG level")

    def __post_init__(self) -> None:
        if not self.hass_url:
            raise ConfigError("--hass-url", "required, e.g. http://homeassistant.local:8123")
        if not self.hass_url.startswith(("http://", "https://")):
            raise ConfigError("--hass-url", f"expected http(s)://HOST:PORT, got {self.hass_url!r}")
        try:
            rest_url(self.hass_url)
        except ValueError as err:
            raise ConfigError("--hass-url", str(err)) from err
        if self.discover and self.requested:
            raise ConfigError("--discover", "use either --discover or service URIs, not both")
        if not self.discover and not self.requested:
            raise ConfigError("--stt", "give --stt/--tts/--agent/--satellite URIs, or --discover")

    @property
    def requested(self) -> tuple[tuple[str, str], ...]:
        """(role, uri) of every service named on the command line."""
        pairs = [(role, getattr(self, role)) for role in ("stt", "tts", "agent")]
        named = [(role, uri) for role, uri in pairs if uri]
        return tuple(named + [("satellite", uri) for uri in self.satellites])


def build_parser(prog: str) -> EnvArgumentParser:
    """The ha-setup flags, generated from HaSetupSettings."""
    parser = settings_parser(
        HaSetupSettings, prog=prog, env_prefix="WYOMING_HA_SETUP", description=DESCRIPTION
    )
    # The off switch of a flag that is off by default: for scripts that say it explicitly.
    pipeline = next(g for g in parser._action_groups if g.title == "pipeline")
    pipeline.add_argument(
        "--no-prefer-local-intents",
        dest="prefer_local_intents",
        action="store_false",
        help="send every sentence to our agent (the default)",
        env=False,
    )
    return parser


def build_settings(args: argparse.Namespace, parser: argparse.ArgumentParser) -> HaSetupSettings:
    """The settings from parsed flags; a bad combination exits 2 naming the flag."""
    try:
        settings: HaSetupSettings = read_settings(HaSetupSettings, args)
    except ConfigError as err:
        parser.error(str(err))
    return settings


def read_token(path: Path | None) -> str:
    """The token from --hass-token-file, else WYOMING_HA_SETUP_HASS_TOKEN(_FILE); never argv.

    A missing or empty token is a usage error (ConfigError naming the flag)."""
    if path is None:
        token = (read_env(TOKEN_ENV) or "").strip()
        if not token:
            raise ConfigError("--hass-token-file", f"required (or the token in {TOKEN_ENV})")
        return token
    try:
        token = path.expanduser().read_text(encoding="utf-8").strip()
    except OSError as err:
        raise ConfigError("--hass-token-file", f"cannot read {path}: {err.strerror}") from err
    if not token:
        raise ConfigError("--hass-token-file", f"{path} is empty")
    return token


async def run_setup(
    settings: HaSetupSettings, browser: Browser = browse, token: str | None = None
) -> SetupReport:
    """Describe (or discover) the services, then provision Home Assistant.

    Never raises for what can go wrong on the way: the report's `error` says what failed and
    its steps say what was done before. The token is read from the settings when not given."""
    report = SetupReport()
    try:
        if token is None:
            token = read_token(settings.hass_token_file)
        url = str(settings.hass_url)
        async with HomeAssistantClient(url, token, request_timeout=settings.timeout) as client:
            version = await client.check()
            _LOGGER.info("Home Assistant %s at %s", version, settings.hass_url)
            services: list[WyomingService]
            if settings.discover:
                services = await discover_services(
                    browser, settings.discover_seconds, settings.timeout
                )
            else:
                services = await describe_all(settings.requested, settings.timeout)
            provisioner = Provisioner(client, settings.options)
            report = provisioner.report
            await provisioner.run(services)
    except WyomingVoiceError as err:
        report.error = explain(err, str(settings.hass_url))
    except (KeyError, TypeError, AttributeError) as err:  # an answer of an unexpected shape
        _LOGGER.debug("Unexpected answer", exc_info=True)
        report.error = f"unexpected answer from Home Assistant ({err!r}); --debug shows where"
    return report


def explain(err: WyomingVoiceError, url: str) -> str:
    """One message that says what failed and what to do about it."""
    if isinstance(err, HomeAssistantAuthError):
        return (
            f"Home Assistant at {url} rejected the access token. Create a long-lived "
            "access token (your profile → Security → Long-lived access tokens) and put it "
            "in the --hass-token-file"
        )
    if isinstance(err, HomeAssistantConnectionError):
        return (
            f"cannot reach Home Assistant at {url} ({err}); check --hass-url "
            "(e.g. http://homeassistant.local:8123) and that Home Assistant is running"
        )
    if isinstance(err, HomeAssistantCommandError):
        return f"Home Assistant refused a step: {err.message} ({err.error_code})"
    return str(err)


def print_report(report: SetupReport) -> None:
    """One line per step, then the pipeline; the error (if any) on stderr."""
    for line in report.lines():
        print(line)
    if report.error is not None:
        print(f"error: {report.error}", file=sys.stderr)


def main(argv: Sequence[str], prog: str = "wyoming-voice ha-setup") -> int:
    """Entry point: 0 when Home Assistant is set up; 1 with an explanation when Home Assistant
    or a service failed; 2 for a usage error (a bad flag, no token), naming the flag."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    settings = build_settings(args, parser)
    logging.basicConfig(
        level=logging.DEBUG if settings.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        token = read_token(settings.hass_token_file)
    except ConfigError as err:
        parser.error(str(err))
    report = asyncio.run(run_setup(settings, token=token))
    print_report(report)
    return 0 if report.ok else 1
