"""The real services as child processes on loopback ports.

By default: STT `wyoming_stt` with pocketsphinx and a grammar of the recorded commands; agent
`wyoming_llm` (fast local path) against the fake Home Assistant; TTS `wyoming_tts` with
espeak-ng. With `models` (the real, trained models): Whisper base, the agent with Qwen 0.5B
(fast path first, the model for the rest) and the Piper joe voice. Child processes do not care
which event loop a test runs in, so one stack serves many tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fake_hass.testing import free_port
from tests.support.services import REPO, command_transcripts
from voice_pipeline.endpoints import EndpointSettings
from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_voice.bench.real_models import RealModels
from wyoming_web.settings import WebSettings

TOKEN = "web-test-token"
START_TIMEOUT = 180.0  # a real model loads and warms its prompt first (slow on a busy 2-core box)


def _wait_for_describe(uri: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{uri} exited with {process.returncode}:\n{log.read_text()}")
        try:
            asyncio.run(asyncio.wait_for(describe(uri, 1.0), 2.0))
            return
        except (ServiceUnavailableError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"{uri} did not answer describe within {START_TIMEOUT} s")


def wait_for_http(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll url until it answers (any status)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1.0):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT} s")


@dataclass
class ServiceStack:
    """Fake HA + STT + agent + TTS; `start()` returns once every one answers."""

    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="web-stack-")))
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    hass_url: str = ""
    stt_uri: str = ""
    agent_uri: str = ""
    tts_uri: str = ""
    models: RealModels | None = None

    def spawn(self, name: str, *argv: str) -> tuple[subprocess.Popen[bytes], Path]:
        """A child `python -m ...` with its output in workdir/name.log."""
        log = self.workdir / f"{name}.log"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", *argv],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=REPO,
                env=env,
            )
        self.processes.append(process)
        return process, log

    def start(self) -> ServiceStack:
        """Start everything and wait until it answers (nothing is left running on failure)."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> ServiceStack:
        token_file = self.workdir / "token"
        token_file.write_text(TOKEN, encoding="utf-8")
        phrases = self.workdir / "phrases.txt"
        phrases.write_text("\n".join(text for _w, text in command_transcripts()) + "\n")
        ports = {name: free_port() for name in ("hass", "stt", "agent", "tts")}
        self.hass_url = f"http://127.0.0.1:{ports['hass']}"
        self.stt_uri, self.agent_uri, self.tts_uri = (
            f"tcp://127.0.0.1:{ports[name]}" for name in ("stt", "agent", "tts")
        )
        hass = self.spawn("hass", "tests.fake_hass", "--port", str(ports["hass"]), "--token", TOKEN)
        stt = self.spawn("stt", "wyoming_stt", "--uri", self.stt_uri, *self._stt_args(phrases))
        tts = self.spawn("tts", "wyoming_tts", "--uri", self.tts_uri, *self._tts_args())
        wait_for_http(f"{self.hass_url}/api/", *hass)
        agent = self.spawn(
            "agent", "wyoming_llm", "--uri", self.agent_uri, "--hass-url", self.hass_url,
            "--hass-token-file", str(token_file), "--data-dir", str(self.workdir / "agent"),
            "--max-actions-per-minute", "1000", *self._agent_args(),
        )  # fmt: skip
        for uri, (process, log) in (
            (self.stt_uri, stt),
            (self.tts_uri, tts),
            (self.agent_uri, agent),
        ):
            _wait_for_describe(uri, process, log)
        return self

    def _stt_args(self, phrases: Path) -> list[str]:
        if self.models is None:
            return ["--engine", "pocketsphinx", "--phrases-file", str(phrases), "--language", "en"]
        return ["--model", str(self.models.whisper_base), "--language", "en"]

    def _tts_args(self) -> list[str]:
        if self.models is None:
            return ["--engine", "espeak-ng"]
        return ["--data-dir", str(self.models.piper_dir), "--voice", "en_US-joe-medium"]

    def _agent_args(self) -> list[str]:
        return [] if self.models is None else ["--model", str(self.models.qwen_0_5b)]

    def stop(self) -> None:
        """Terminate every child (killed after 10 s), the agent before Home Assistant."""
        # Reverse start order: an agent that loses HA while it shuts down may start
        # reconnecting instead of exiting.
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(5)
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def web_settings(self, **overrides: Any) -> WebSettings:
        """Gateway settings pointing at this stack."""
        values: dict[str, Any] = {
            "services": EndpointSettings(
                stt_uri=self.stt_uri, agent_uri=self.agent_uri, tts_uri=self.tts_uri
            ),
        }
        values.update(overrides)
        return WebSettings(**values)

    def hass_request(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """A REST call to the fake Home Assistant (GET, or POST with body)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.hass_url}{path}",
            data=data,
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def state(self, entity_id: str) -> str:
        """The entity's state in the fake Home Assistant."""
        return str(self.hass_request(f"/api/states/{entity_id}")["state"])

    def turn_off(self, entity_id: str) -> None:
        """Switch something off before a test switches it on."""
        domain = entity_id.split(".", 1)[0]
        self.hass_request(f"/api/services/{domain}/turn_off", {"entity_id": entity_id})
        assert self.state(entity_id) == "off"
