"""The command lines: `wyoming-voice llm --help`, `ask` (direct and remote), `bench llm`."""

from __future__ import annotations

import asyncio
import functools
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.fake_hass import FakeHomeAssistant
from tests.support.services import REPO, running_service, shared_path
from wyoming_llm.__main__ import build_parser
from wyoming_llm.handler import AgentEventHandler
from wyoming_llm.turn import TurnRequest
from wyoming_voice import ask as ask_cli
from wyoming_voice.bench import llm as bench

from .support import TOKEN, config_for, running_runtime


def test_help_explains_every_flag_and_its_variable() -> None:
    text = " ".join(build_parser("wyoming-voice llm").format_help().split())
    for flag, env in (
        ("--model", "WYOMING_LLM_MODEL"),
        ("--n-gpu-layers", "WYOMING_LLM_N_GPU_LAYERS"),
        ("--hass-token-file", "WYOMING_LLM_HASS_TOKEN_FILE"),
        ("--openai-api-key-file", "WYOMING_LLM_OPENAI_API_KEY_FILE"),
        ("--allow-domains", "WYOMING_LLM_ALLOW_DOMAINS"),
        ("--uri", "WYOMING_LLM_URI"),
    ):
        assert flag in text and f"[env: {env}]" in text
    assert "tcp://0.0.0.0:10500" in text


async def test_ask_direct_mode_acts_on_the_home(hass: FakeHomeAssistant, tmp_path: Path) -> None:
    config = config_for(tmp_path, hass_url=hass.url)
    out = io.StringIO()
    async with asyncio.timeout(20):
        code = await ask_cli.ask_direct(config, TurnRequest("turn on the kitchen lights"), out)
    assert code == 0 and out.getvalue().strip()
    assert hass.house.get_state("light.kitchen").state == "on"


async def test_ask_a_running_agent(hass: FakeHomeAssistant, tmp_path: Path) -> None:
    config = config_for(tmp_path, hass_url=hass.url)
    async with running_runtime(config) as runtime:
        factory = functools.partial(AgentEventHandler, agent=runtime.agent, info=runtime.info)
        async with running_service(factory, service="llm") as server:
            out = io.StringIO()
            request = TurnRequest("turn on the Bed Light", conversation_id="cli")
            code = await ask_cli.ask_remote(server.uri, request, out, timeout=10)
            timer_out = io.StringIO()
            timer = await ask_cli.ask_remote(
                server.uri, TurnRequest("set a timer for 2 minutes"), timer_out, timeout=10
            )
    assert code == 0 and out.getvalue() == "Turned on Bed Light.\n"
    assert timer == 1 and timer_out.getvalue().startswith("Sorry")


def test_ask_command_against_the_standalone_fake(tmp_path: Path) -> None:
    """The done-when check: `wyoming-voice ask ... --hass-url` turns the light on."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_hass", "--port", "0", "--token", TOKEN],
        cwd=REPO, env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert fake.stdout is not None
        url = fake.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        token_file = tmp_path / "token"
        token_file.write_text(TOKEN)
        result = subprocess.run(
            [sys.executable, "-m", "wyoming_voice.cli", "ask", "turn on the kitchen light",
             "--hass-url", url, "--hass-token-file", str(token_file),
             "--data-dir", str(tmp_path / "data")],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        print(f"\nwyoming-voice ask → {result.stdout.strip()!r}")
        state = asyncio.run(_rest_state(url, "light.kitchen"))
        assert state == "on"
        assert TOKEN not in result.stdout + result.stderr
    finally:
        fake.terminate()
        fake.wait(timeout=10)


async def _rest_state(url: str, entity_id: str) -> str:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession() as session:
        async with asyncio.timeout(10):
            async with session.get(f"{url}/api/states/{entity_id}", headers=headers) as response:
                return str((await response.json())["state"])


def test_bench_prints_a_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The bench's plumbing on the tiny model (its figures are meaningless; the real run uses
    Qwen 1.5B): our runs paired with raw llama-cpp-python, cache hits, the overhead ratio."""
    model = shared_path("models", "llm", "stories260K.gguf")
    code = bench.main(
        ["--model", str(model), "--context-size", "2048", "--runs", "2", "--prompt", "Hello!",
         "--max-tokens", "24", "--no-home", "--data-dir", str(tmp_path)]
    )  # fmt: skip
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert result["open"]["runs"] == 2 and result["raw"]["runs"] == 2
    assert result["open"]["cache_hit_rate"] > 0.5  # only the new turn is evaluated
    assert result["overhead_total"] > 0
    # The same work on both sides: raw generates as many tokens as our turn did (its own
    # sampler would often end sooner, which made ours look 1.24x slower than it is).
    assert abs(result["raw"]["completion_tokens"] - result["open"]["completion_tokens"]) <= 1
    print("\n" + "\n".join(lines))
