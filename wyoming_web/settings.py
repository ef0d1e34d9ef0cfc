"""Flags of `wyoming-voice web` (each also read from WYOMING_WEB_*), frozen into WebSettings."""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from voice_pipeline.endpoints import EndpointSettings
from voice_pipeline.types import PipelineOptions
from voice_pipeline.vad import VadSettings
from wyoming_common.config import DEFAULT_LOG_FORMAT, group, option, positive_float, read_env
from wyoming_common.errors import ConfigError
from wyoming_common.options import read_settings, settings_parser

from .guard import OriginError, normalize_origin

ENV_PREFIX = "WYOMING_WEB"
MEBIBYTE = 1024 * 1024

DESCRIPTION = """\
Browser push-to-talk console and HTTP/WebSocket gateway. Open http://HOST:PORT/ and hold the
button to talk: the browser streams the microphone to the gateway, which runs STT -> agent ->
TTS over Wyoming and streams the reply text and audio back as they are produced.

API: POST /api/interact (WAV or raw PCM in, WAV or ?format=json out), POST /api/ask (text
in), GET /ws (streaming), GET /health, GET /metrics, GET /api/latency. With --api-key-file
every route except the page's own files needs `Authorization: Bearer KEY` (the WebSocket takes
the key as its first message). Only the gateway's own page (or an --allowed-origin) may post
or open the WebSocket, and only under a loopback name, an address or an --allowed-host.
Browsers only give a page the microphone over https:// or on localhost: use
--ssl-certfile/--ssl-keyfile to reach it from a phone.
"""

EPILOG = """\
examples:
  wyoming-voice web --stt-uri tcp://gpu:10300 --agent-uri tcp://gpu:10500 --tts-uri tcp://gpu:10200
  wyoming-voice web --discover --host 0.0.0.0 --api-key-file /etc/wyoming-voice/web-key \\
      --ssl-certfile cert.pem --ssl-keyfile key.pem --allowed-host voice.lan
"""


@dataclass(frozen=True)
class WebSettings:
    """Everything the gateway needs, validated once at start."""

    host: str = option(
        "127.0.0.1",
        section="http",
        help="address to listen on; anything but loopback needs --api-key-file",
    )
    port: int = option(8080, type=int, section="http", help="port to listen on")
    api_key_file: Path | None = option(
        None,
        type=Path,
        section="http",
        help="file holding a shared secret required on every API call (or WYOMING_WEB_API_KEY)",
    )
    allowed_hosts: tuple[str, ...] = option(
        (),
        flag="--allowed-host",
        repeat=True,
        metavar="NAME",
        section="http",
        help="a host name browsers may use to reach the gateway (repeatable; loopback names and "
        "IP addresses always work): refuses DNS-rebinding attacks under other names",
    )
    allowed_origins: tuple[str, ...] = option(
        (),
        flag="--allowed-origin",
        repeat=True,
        metavar="ORIGIN",
        section="http",
        help="another web page (scheme://host[:port]) allowed to drive the gateway "
        "(repeatable); by default only the gateway's own page may",
    )
    max_upload_mb: float = option(
        10.0,
        type=positive_float,
        section="http",
        help="largest request body in MiB; bigger uploads get 413",
    )
    max_turn_seconds: float = option(
        30.0,
        type=positive_float,
        section="http",
        help="longest spoken request over the WebSocket; it ends there",
    )
    vad_silence: float = option(
        0.7,
        type=positive_float,
        section="http",
        help="seconds of silence after speech that end a turn when the client lets the server "
        'decide ({"type": "vad"}: the page does in tap mode)',
    )
    ssl_certfile: Path | None = option(
        None, type=Path, section="http", help="serve https:// with this certificate"
    )
    ssl_keyfile: Path | None = option(
        None, type=Path, section="http", help="private key of --ssl-certfile"
    )
    debug: bool = option(False, section="http", help="log at DEBUG level")
    log_format: str = option(DEFAULT_LOG_FORMAT, section="http", help="logging format")
    services: EndpointSettings = group(EndpointSettings, title="services")
    api_key: str | None = field(default=None, repr=False)
    """The secret itself: from --api-key-file or WYOMING_WEB_API_KEY (see load_settings)."""

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigError("--port", f"must be 0-65535, got {self.port}")
        if self.vad_silence >= self.max_turn_seconds:
            raise ConfigError("--vad-silence", "must be shorter than --max-turn-seconds")
        if bool(self.ssl_certfile) != bool(self.ssl_keyfile):
            raise ConfigError("--ssl-certfile", "--ssl-certfile and --ssl-keyfile go together")
        for flag, path in (
            ("--ssl-certfile", self.ssl_certfile),
            ("--ssl-keyfile", self.ssl_keyfile),
        ):
            if path is not None and not path.is_file():
                raise ConfigError(flag, f"{path} does not exist")
        try:
            origins = tuple(normalize_origin(value) for value in self.allowed_origins)
        except OriginError as err:
            raise ConfigError("--allowed-origin", str(err)) from err
        object.__setattr__(self, "allowed_origins", origins)
        services = self.services
        if not services.discover and not (
            services.stt_uri and services.agent_uri and services.tts_uri
        ):
            raise ConfigError(
                "--stt-uri", "give --stt-uri, --agent-uri and --tts-uri, or --discover"
            )

    @property
    def max_upload_bytes(self) -> int:
        """--max-upload-mb in bytes."""
        return int(self.max_upload_mb * MEBIBYTE)

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


def _api_key(path: Path | None, environ: Mapping[str, str] | None) -> str | None:
    if path is not None:
        try:
            key = path.read_text(encoding="utf-8").strip()
        except OSError as err:
            raise ConfigError("--api-key-file", f"cannot read {path}: {err.strerror}") from err
        if not key:
            raise ConfigError("--api-key-file", f"{path} is empty")
        return key
    value = read_env(f"{ENV_PREFIX}_API_KEY", environ)
    return value.strip() if value and value.strip() else None


def with_api_key(settings: WebSettings, environ: Mapping[str, str] | None = None) -> WebSettings:
    """The settings with their secret read; refuses to listen beyond loopback without one."""
    settings = dataclasses.replace(settings, api_key=_api_key(settings.api_key_file, environ))
    if not settings.is_loopback and settings.api_key is None:
        raise ConfigError(
            "--host",
            f"{settings.host} lets other machines in: give --api-key-file (or "
            "WYOMING_WEB_API_KEY), or keep the default 127.0.0.1",
        )
    return settings


def load_settings(
    argv: Sequence[str] | None, prog: str, environ: Mapping[str, str] | None = None
) -> WebSettings:
    """Parse the flags and the environment; a bad value exits 2 with one line naming the flag."""
    parser = settings_parser(
        WebSettings,
        prog=prog,
        env_prefix=ENV_PREFIX,
        description=DESCRIPTION,
        epilog=EPILOG,
        environ=environ,
    )
    try:
        return with_api_key(read_settings(WebSettings, parser.parse_args(argv)), environ)
    except ConfigError as err:
        parser.error(str(err))
