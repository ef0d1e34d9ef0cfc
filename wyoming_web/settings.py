"""Flags of `wyoming-voice web` (each also read from WYOMING_WEB_*), frozen into WebSettings."""

from __future__ import annotations

import argparse
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from voice_pipeline.endpoints import EndpointSettings, add_endpoint_arguments
from voice_pipeline.types import PipelineOptions
from voice_pipeline.vad import VadSettings
from wyoming_common.config import EnvArgumentParser, positive_float, read_env
from wyoming_common.errors import ConfigError

from .guard import OriginError, normalize_origin

ENV_PREFIX = "WYOMING_WEB"
MEBIBYTE = 1024 * 1024

_DESCRIPTION = """\
Browser push-to-talk console and HTTP/WebSocket gateway. Open http://HOST:PORT/ and hold the
button to talk: the browser streams the microphone to the gateway, which runs STT -> agent ->
TTS over Wyoming and streams the reply text and audio back as they are produced.

API: POST /api/interact (WAV or raw PCM in, WAV or ?format=json out), POST /api/ask (text
in), GET /ws (streaming), GET /health, GET /metrics. With --api-key-file every route except
the page's own files needs `Authorization: Bearer KEY` (the WebSocket takes the key as its
first message). Browsers only give a page the microphone over https:// or on localhost: use
--ssl-certfile/--ssl-keyfile to reach it from a phone.
"""

_EPILOG = """\
examples:
  wyoming-voice web --stt-uri tcp://gpu:10300 --agent-uri tcp://gpu:10500 --tts-uri tcp://gpu:10200
  wyoming-voice web --discover --host 0.0.0.0 --api-key-file /etc/wyoming-voice/web-key \\
      --ssl-certfile cert.pem --ssl-keyfile key.pem
"""


@dataclass(frozen=True)
class WebSettings:
    """Everything the gateway needs, validated once at start."""

    host: str = "127.0.0.1"
    port: int = 8080
    services: EndpointSettings = field(default_factory=EndpointSettings)
    api_key: str | None = field(default=None, repr=False)
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    max_upload_bytes: int = 10 * MEBIBYTE
    max_turn_seconds: float = 30.0
    vad_silence: float = 0.7
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    debug: bool = False
    log_format: str = "%(asctime)s %(levelname)s %(name)s: %(message)s"

    @property
    def pipeline_options(self) -> PipelineOptions:
        """Options of every pipeline the gateway runs."""
        return PipelineOptions(
            language=self.services.language,
            voice=self.services.voice,
            context={"satellite_id": "web"},
        )

    @property
    def vad_settings(self) -> VadSettings:
        """Server-side end of speech, for clients that ask for it (`{"type": "vad"}`)."""
        return VadSettings(
            silence_seconds=self.vad_silence, max_command_seconds=self.max_turn_seconds
        )

    @property
    def is_loopback(self) -> bool:
        """True when only this machine can connect."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


class _HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the description's line breaks and shows every default."""


def build_parser(prog: str) -> EnvArgumentParser:
    """Flags of `wyoming-voice web`."""
    parser = EnvArgumentParser(
        prog=prog,
        env_prefix=ENV_PREFIX,
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=_HelpFormatter,
    )
    http = parser.add_argument_group("http")
    http.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on; anything but loopback needs --api-key-file",
    )
    http.add_argument("--port", type=int, default=8080, help="port to listen on")
    http.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name browsers may use to reach the gateway (repeatable; loopback names and "
        "IP addresses always work): refuses DNS-rebinding attacks under other names",
    )
    http.add_argument(
        "--allowed-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="another web page (scheme://host[:port]) allowed to drive the gateway "
        "(repeatable); by default only the gateway's own page may",
    )
    http.add_argument(
        "--api-key-file",
        type=Path,
        help="file holding a shared secret required on every API call (or WYOMING_WEB_API_KEY)",
    )
    http.add_argument(
        "--max-upload-mb",
        type=positive_float,
        default=10.0,
        help="largest request body in MiB; bigger uploads get 413",
    )
    http.add_argument(
        "--max-turn-seconds",
        type=positive_float,
        default=30.0,
        help="longest spoken request over the WebSocket; it ends there",
    )
    http.add_argument(
        "--vad-silence",
        type=positive_float,
        default=0.7,
        help="seconds of silence after speech that end a turn when the client lets the server "
        'decide ({"type": "vad"}: the page does in tap mode)',
    )
    http.add_argument("--ssl-certfile", type=Path, help="serve https:// with this certificate")
    http.add_argument("--ssl-keyfile", type=Path, help="private key of --ssl-certfile")
    http.add_argument("--debug", action="store_true", help="log at DEBUG level")
    http.add_argument(
        "--log-format",
        default="%(asctime)s %(levelname)s %(name)s: %(message)s",
        help="logging format",
    )
    add_endpoint_arguments(parser)
    return parser


def _api_key(path: Path | None) -> str | None:
    if path is not None:
        try:
            key = path.read_text(encoding="utf-8").strip()
        except OSError as err:
            raise ConfigError("--api-key-file", f"cannot read {path}: {err.strerror}") from err
        if not key:
            raise ConfigError("--api-key-file", f"{path} is empty")
        return key
    value = read_env(f"{ENV_PREFIX}_API_KEY")
    return value.strip() if value and value.strip() else None


def _origins(values: list[str]) -> tuple[str, ...]:
    try:
        return tuple(normalize_origin(value) for value in values)
    except OriginError as err:
        raise ConfigError("--allowed-origin", str(err)) from err


def build_settings(args: argparse.Namespace) -> WebSettings:
    """Validate the parsed flags; a ConfigError names the flag."""
    if not 0 <= args.port <= 65535:
        raise ConfigError("--port", f"must be 0-65535, got {args.port}")
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        raise ConfigError("--ssl-certfile", "--ssl-certfile and --ssl-keyfile go together")
    for flag, path in (("--ssl-certfile", args.ssl_certfile), ("--ssl-keyfile", args.ssl_keyfile)):
        if path is not None and not path.is_file():
            raise ConfigError(flag, f"{path} does not exist")
    services = EndpointSettings(
        stt_uri=args.stt_uri,
        agent_uri=args.agent_uri,
        tts_uri=args.tts_uri,
        discover=args.discover,
        discover_seconds=args.discover_seconds,
        language=args.language,
        voice=args.voice,
    )
    if not services.discover and not (services.stt_uri and services.agent_uri and services.tts_uri):
        raise ConfigError("--stt-uri", "give --stt-uri, --agent-uri and --tts-uri, or --discover")
    settings = WebSettings(
        host=args.host,
        port=args.port,
        services=services,
        api_key=_api_key(args.api_key_file),
        allowed_hosts=tuple(args.allowed_host or ()),
        allowed_origins=_origins(args.allowed_origin or []),
        max_upload_bytes=int(args.max_upload_mb * MEBIBYTE),
        max_turn_seconds=args.max_turn_seconds,
        vad_silence=args.vad_silence,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        debug=bool(args.debug),
        log_format=args.log_format,
    )
    if not settings.is_loopback and settings.api_key is None:
        raise ConfigError(
            "--host",
            f"{settings.host} lets other machines in: give --api-key-file (or "
            "WYOMING_WEB_API_KEY), or keep the default 127.0.0.1",
        )
    return settings
