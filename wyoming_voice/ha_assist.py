"""The same commands through Home Assistant's Assist pipeline (websocket `assist_pipeline/run`),
for `bench pipeline --ha-url`: HA's stt-end / intent-end / tts-end and the first byte of the
reply audio, timed from the moment the whole command was sent.

The access token comes from `--ha-token-file` or the `<PREFIX>_HA_TOKEN` environment variable
(or `<PREFIX>_HA_TOKEN_FILE`), never from the command line, where every user could read it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from voice_pipeline.audio_io import CHUNK_BYTES, load_command
from wyoming_common.audio import STT_FORMAT
from wyoming_common.config import EnvArgumentParser, read_env
from wyoming_common.errors import ConfigError
from wyoming_common.hass import HomeAssistantClient, HomeAssistantError

_LOGGER = logging.getLogger(__name__)

HA_LABELS = {
    "stt": "end of speech → stt-end",
    "agent": "stt-end → intent-end",
    "tts": "intent-end → tts-end",
    "first_audio": "end of speech → first audio byte",
}
RUN_TIMEOUT = 60.0  # seconds HA may take for one whole run

Samples = dict[str, list[float]]


class AssistError(HomeAssistantError):
    """HA refused the run or reported a pipeline error."""

    code = "home-assistant-pipeline"


class _RefuseToken(argparse.Action):
    """`--ha-token` (gone): refuse it without echoing the value, and say what to use instead.
    Registered so that argparse does not take it as an abbreviation of --ha-token-file."""

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        prefix = getattr(parser, "env_prefix", "WYOMING_SATELLITE")
        parser.error(
            "--ha-token: a token on the command line is visible to every user of the machine; "
            f"put it in a file and pass --ha-token-file FILE, or set {prefix}_HA_TOKEN"
        )


def add_ha_arguments(parser: EnvArgumentParser, env_prefix: str) -> None:
    """`--ha-url`, `--ha-token-file`, `--ha-pipeline` (no flag takes the token itself)."""
    group = parser.add_argument_group("Home Assistant (optional)")
    group.add_argument("--ha-token", action=_RefuseToken, help=argparse.SUPPRESS, env=False)
    group.add_argument(
        "--ha-url", help="also run each command through HA's Assist pipeline (http://HA:8123)"
    )
    group.add_argument(
        "--ha-token-file",
        type=Path,
        help=f"file holding a long-lived access token for --ha-url (or {env_prefix}_HA_TOKEN)",
    )
    group.add_argument("--ha-pipeline", help="Assist pipeline id (default: the preferred one)")


def ha_token(token_file: Path | None, env_prefix: str) -> str:
    """The token from the file, else from the environment; ConfigError naming the flag."""
    if token_file is not None:
        try:
            token = token_file.expanduser().read_text(encoding="utf-8").strip()
        except OSError as err:
            raise ConfigError(
                "--ha-token-file", f"cannot read {token_file}: {err.strerror}"
            ) from err
    else:
        token = (read_env(f"{env_prefix}_HA_TOKEN") or "").strip()
    if not token:
        raise ConfigError(
            "--ha-token-file", f"a long-lived access token is needed (or {env_prefix}_HA_TOKEN)"
        )
    return token


async def bench_from_args(
    args: argparse.Namespace, files: Sequence[Path], env_prefix: str
) -> tuple[Samples, int]:
    """`bench_home_assistant` with the flags of `add_ha_arguments`."""
    token = ha_token(args.ha_token_file, env_prefix)
    return await bench_home_assistant(args.ha_url, token, files, pipeline_id=args.ha_pipeline)


async def run_assist(
    client: HomeAssistantClient, pcm: bytes, *, pipeline_id: str | None = None
) -> dict[str, float]:
    """One stt → tts run; seconds per stage measured from the end of the audio."""
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    request: dict[str, Any] = {
        "start_stage": "stt",
        "end_stage": "tts",
        "input": {"sample_rate": STT_FORMAT.rate},
    }
    if pipeline_id:
        request["pipeline"] = pipeline_id
    run_id = await client.subscribe("assist_pipeline/run", events.put_nowait, **request)
    try:
        async with asyncio.timeout(RUN_TIMEOUT):
            marks, tts_url = await _follow_run(client, events, pcm)
            first_byte = await _first_audio_byte(client, tts_url)
    except TimeoutError as err:
        raise AssistError(f"the run did not end within {RUN_TIMEOUT:g} s") from err
    finally:
        await client.unsubscribe(run_id, tell_home_assistant=False)  # HA ends a run itself
    return {
        "stt": marks["stt-end"] - marks["sent"],
        "agent": marks["intent-end"] - marks["stt-end"],
        "tts": marks["tts-end"] - marks["intent-end"],
        "first_audio": first_byte - marks["sent"],
    }


async def _follow_run(
    client: HomeAssistantClient, events: asyncio.Queue[dict[str, Any]], pcm: bytes
) -> tuple[dict[str, float], str]:
    """Stream the audio on run-start; note when each stage ended; return the reply's URL."""
    marks: dict[str, float] = {}
    tts_url: str | None = None
    while True:
        event = await events.get()
        kind, data = event.get("type"), event.get("data") or {}
        if kind == "run-start":
            prefix = bytes([int(data["runner_data"]["stt_binary_handler_id"])])
            for i in range(0, len(pcm), CHUNK_BYTES):
                await client.send_bytes(prefix + pcm[i : i + CHUNK_BYTES])
            await client.send_bytes(prefix)  # end of audio
            marks["sent"] = time.monotonic()
        elif kind in ("stt-end", "intent-end", "tts-end"):
            marks[str(kind)] = time.monotonic()
            if kind == "tts-end":
                tts_url = (data.get("tts_output") or {}).get("url")
        elif kind == "error":
            raise AssistError(f"{data.get('code')}: {data.get('message')}")
        elif kind == "run-end":
            break
    missing = {"sent", "stt-end", "intent-end", "tts-end"} - set(marks)
    if missing or not tts_url:
        raise AssistError("the run produced no reply audio")
    return marks, tts_url


async def _first_audio_byte(client: HomeAssistantClient, tts_url: str) -> float:
    """When the first byte of the reply audio arrived."""
    url = tts_url if tts_url.startswith(("http://", "https://")) else client.url + tts_url
    async with client.session.get(url) as response:
        if response.status >= 400:
            raise AssistError(f"fetching the reply audio failed with HTTP {response.status}")
        await response.content.readany()
        return time.monotonic()


async def bench_home_assistant(
    base_url: str, token: str, files: Sequence[Path], *, pipeline_id: str | None = None
) -> tuple[Samples, int]:
    """Every command through HA; returns the samples per stage and the failure count.

    HA unreachable or refusing the token raises HomeAssistantError (a clear message, no
    traceback); a failed command is counted and named on stderr."""
    import aiohttp

    samples: Samples = {key: [] for key in HA_LABELS}
    failures = 0
    async with HomeAssistantClient(base_url, token, request_timeout=10.0) as client:
        await client.connect()
        for path in files:
            try:
                timings = await run_assist(client, load_command(path), pipeline_id=pipeline_id)
            except (HomeAssistantError, KeyError, ValueError, aiohttp.ClientError) as err:
                failures += 1
                print(f"  {path.name} (Home Assistant): {err}", file=sys.stderr)
                continue
            for key, value in timings.items():
                samples[key].append(value)
    return samples, failures
