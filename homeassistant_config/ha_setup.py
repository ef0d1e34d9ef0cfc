"""`wyoming-voice ha-setup`: add our services to Home Assistant and build an Assist pipeline."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wyoming_common.config import EnvArgumentParser, positive_float, read_env, wyoming_uri
from wyoming_common.discovery import browse
from wyoming_common.errors import WyomingVoiceError
from wyoming_common.hass import (
    HomeAssistantAuthError,
    HomeAssistantClient,
    HomeAssistantCommandError,
    HomeAssistantConnectionError,
)

from .errors import ProvisioningError
from .provision import Provisioner
from .report import SetupOptions, SetupReport
from .wyoming_services import Browser, WyomingService, describe_all, discover_services

_LOGGER = logging.getLogger(__name__)

TOKEN_ENV = "WYOMING_HA_SETUP_HASS_TOKEN"


@dataclass(frozen=True)
class HaSetupSettings:
    """Parsed flags (the token itself is read later, never logged)."""

    hass_url: str
    token_file: Path | None
    requested: tuple[tuple[str, str], ...]  # (role, uri)
    discover: bool
    discover_seconds: float
    timeout: float
    options: SetupOptions


def build_parser(prog: str) -> EnvArgumentParser:
    """The ha-setup flags."""
    parser = EnvArgumentParser(
        prog=prog,
        env_prefix="WYOMING_HA_SETUP",
        description="Add wyoming-voice services to Home Assistant through its API: a Wyoming "
        "config entry per service (or confirm the zeroconf discoveries), an Assist pipeline "
        "with our speech-to-text, conversation agent and voice, the pipeline on our "
        "satellites, and entities exposed to the assistant. Running it again changes nothing "
        "that is already right.",
    )
    ha = parser.add_argument_group("Home Assistant")
    ha.add_argument("--hass-url", required=False, help="e.g. http://homeassistant.local:8123")
    ha.add_argument(
        "--hass-token-file",
        help=f"file holding a long-lived access token (or the token in {TOKEN_ENV})",
    )
    found = parser.add_argument_group("services (tcp:// URIs Home Assistant can reach)")
    found.add_argument("--stt", type=wyoming_uri, help="speech-to-text, e.g. tcp://gpu:10300")
    found.add_argument("--tts", type=wyoming_uri, help="text-to-speech, e.g. tcp://gpu:10200")
    found.add_argument("--agent", type=wyoming_uri, help="conversation agent, tcp://gpu:10500")
    found.add_argument(
        "--satellite", type=wyoming_uri, action="append", default=[], help="a satellite (repeat)"
    )
    found.add_argument(
        "--discover", action="store_true", help="find our services by zeroconf instead"
    )
    found.add_argument(
        "--discover-seconds", type=positive_float, default=3.0, help="how long to browse"
    )
    pipe = parser.add_argument_group("pipeline")
    pipe.add_argument("--pipeline-name", default="wyoming-voice", help="the pipeline's name")
    pipe.add_argument("--language", default="en", help="pipeline language (`en`, not `en-US`)")
    pipe.add_argument("--voice", default=None, help="TTS voice (default: first for language)")
    pipe.add_argument(
        "--prefer-local-intents",
        action="store_true",
        default=False,
        help="let Home Assistant handle simple commands itself before asking the agent",
    )
    pipe.add_argument(
        "--no-prefer-local-intents",
        dest="prefer_local_intents",
        action="store_false",
        env=False,
        help="send every sentence to our agent (the default)",
    )
    pipe.add_argument(
        "--set-preferred", action="store_true", help="make it Home Assistant's preferred pipeline"
    )
    pipe.add_argument(
        "--expose",
        nargs="+",
        action="extend",
        default=[],
        metavar="ENTITY",
        help="entity ids to expose to the assistant, e.g. light.kitchen",
    )
    parser.add_argument("--timeout", type=positive_float, default=10.0, help="seconds per call")
    parser.add_argument("--debug", action="store_true", help="log at DEBUG level")
    return parser


def build_settings(args: argparse.Namespace, parser: argparse.ArgumentParser) -> HaSetupSettings:
    """Check the combination of flags."""
    if not args.hass_url:
        parser.error("--hass-url is required")
    if not str(args.hass_url).startswith(("http://", "https://")):
        parser.error(f"--hass-url: expected http(s)://HOST:PORT, got {args.hass_url!r}")
    requested = [(role, getattr(args, role)) for role in ("stt", "tts", "agent")]
    pairs = [(role, uri) for role, uri in requested if uri]
    pairs += [("satellite", uri) for uri in args.satellite]
    if args.discover and pairs:
        parser.error("use either --discover or service URIs, not both")
    if not args.discover and not pairs:
        parser.error("give --stt/--tts/--agent/--satellite URIs, or --discover")
    options = SetupOptions(
        pipeline_name=args.pipeline_name,
        language=args.language,
        prefer_local_intents=bool(args.prefer_local_intents),
        set_preferred=bool(args.set_preferred),
        expose=tuple(dict.fromkeys(args.expose)),
        voice=args.voice,
    )
    return HaSetupSettings(
        hass_url=args.hass_url,
        token_file=Path(args.hass_token_file) if args.hass_token_file else None,
        requested=tuple(pairs),
        discover=bool(args.discover),
        discover_seconds=args.discover_seconds,
        timeout=args.timeout,
        options=options,
    )


def read_token(path: Path | None) -> str:
    """The token from --hass-token-file, else WYOMING_HA_SETUP_HASS_TOKEN(_FILE); never argv."""
    if path is None:
        token = (read_env(TOKEN_ENV) or "").strip()
        if not token:
            raise ProvisioningError(f"--hass-token-file (or {TOKEN_ENV}) is required")
        return token
    try:
        token = path.expanduser().read_text(encoding="utf-8").strip()
    except OSError as err:
        raise ProvisioningError(f"cannot read --hass-token-file {path}: {err.strerror}") from err
    if not token:
        raise ProvisioningError(f"--hass-token-file {path} is empty")
    return token


async def run_setup(settings: HaSetupSettings, browser: Browser = browse) -> SetupReport:
    """Describe (or discover) the services, then provision Home Assistant.

    Never raises for what can go wrong on the way: the report's `error` says what failed and
    its steps say what was done before."""
    report = SetupReport()
    try:
        token = read_token(settings.token_file)
        async with HomeAssistantClient(
            settings.hass_url, token, request_timeout=settings.timeout
        ) as client:
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
        report.error = explain(err, settings.hass_url)
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
    """Entry point: 0 when Home Assistant is set up, 1 with an explanation otherwise."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    settings = build_settings(args, parser)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    report = asyncio.run(run_setup(settings))
    print_report(report)
    return 0 if report.ok else 1
