"""The agent's command-line flags (each also read from WYOMING_LLM_* variables) and the
frozen settings built from them, validated with messages that name the flag."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

from wyoming_common.config import (
    EnvArgumentParser,
    positive_float,
    positive_int,
    read_env,
)
from wyoming_common.errors import ConfigError

from .actions.policy import DEFAULT_ALLOWED_DOMAINS, ActionPolicy, SensitiveMode
from .agent import AgentSettings
from .engines.llama import LlamaSettings
from .engines.openai import OpenAISettings
from .llm_turn import GenerationOptions
from .persona import DEFAULT_PERSONA, Persona, load_persona

ENV_PREFIX = "WYOMING_LLM"


def _gpu_layers(text: str) -> int | None:
    if text.strip().lower() == "auto":
        return None
    return int(text)


def default_data_dir() -> Path:
    """$XDG_DATA_HOME/wyoming-voice/llm (audit log)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "wyoming-voice" / "llm"


def add_agent_arguments(parser: EnvArgumentParser) -> None:
    """Flags for the model, Home Assistant, safety and behaviour (not the server's)."""
    model = parser.add_argument_group("language model (optional: without one, only commands)")
    model.add_argument("--model", help="GGUF file, or a Hugging Face id owner/repo[:file.gguf]")
    model.add_argument("--download-dir", type=Path, help="where hub models are downloaded")
    model.add_argument(
        "--n-gpu-layers",
        type=_gpu_layers,
        default=None,
        metavar="N|auto",
        help="layers on the GPU: auto = all when llama.cpp has GPU support, else 0",
    )
    model.add_argument("--context-size", type=positive_int, default=4096, help="context tokens")
    model.add_argument("--threads", type=positive_int, default=None, help="CPU threads")
    model.add_argument("--seed", type=int, default=0, help="sampling seed")
    model.add_argument("--temperature", type=float, default=0.3, help="sampling temperature")
    model.add_argument(
        "--max-tokens", type=positive_int, default=160, help="most tokens generated per model call"
    )
    model.add_argument(
        "--max-tool-rounds", type=int, default=3, help="tool calls the model may chain in one turn"
    )
    model.add_argument(
        "--max-sentences",
        type=positive_int,
        default=2,
        help="sentences spoken before generation is stopped",
    )
    model.add_argument(
        "--openai-url",
        help="use an OpenAI-compatible server instead of --model"
        " (e.g. http://127.0.0.1:11434 for Ollama)",
    )
    model.add_argument("--openai-model", help="model name on that server")
    model.add_argument("--openai-api-key-file", type=Path, help="file holding the API key")

    hass = parser.add_argument_group("Home Assistant (optional: without it, the agent only chats)")
    hass.add_argument("--hass-url", help="e.g. http://homeassistant.local:8123")
    hass.add_argument(
        "--hass-token-file",
        type=Path,
        help="file holding a long-lived access token (or WYOMING_LLM_HASS_TOKEN)",
    )
    hass.add_argument(
        "--hass-timeout",
        type=positive_float,
        default=5.0,
        help="seconds before an unanswered Home Assistant request fails",
    )

    safety = parser.add_argument_group("safety")
    safety.add_argument(
        "--allow-domains",
        nargs="+",
        default=list(DEFAULT_ALLOWED_DOMAINS),
        metavar="DOMAIN",
        help="domains the agent may act on",
    )
    safety.add_argument(
        "--sensitive-actions",
        choices=[m.value for m in SensitiveMode],
        default=SensitiveMode.DENY.value,
        help="locks, alarms, cameras, garage doors and gates: never, after a"
        " spoken 'confirm' in the next turn, or always",
    )
    safety.add_argument(
        "--max-actions-per-minute",
        type=positive_int,
        default=20,
        help="actions allowed in any 60 seconds",
    )
    safety.add_argument(
        "--data-dir",
        type=Path,
        default=default_data_dir(),
        help="where the audit log (audit.jsonl) is written",
    )

    agent = parser.add_argument_group("conversation")
    agent.add_argument("--language", nargs="+", default=["en"], help="languages offered to HA")
    agent.add_argument(
        "--persona", type=Path, help="persona YAML: name, style, instructions, language"
    )
    agent.add_argument("--history-turns", type=positive_int, default=8, help="turns remembered")
    agent.add_argument(
        "--history-tokens",
        type=positive_int,
        default=1024,
        help="tokens of history kept in the prompt",
    )
    agent.add_argument(
        "--conversation-timeout",
        type=positive_float,
        default=300.0,
        help="seconds after the last turn before a conversation is forgotten",
    )
    agent.add_argument(
        "--turn-timeout",
        type=positive_float,
        default=60.0,
        help="seconds a turn may take before the agent apologises",
    )


@dataclass(frozen=True)
class HassSettings:
    """How to reach Home Assistant. The token is kept out of repr."""

    url: str
    token: str = field(repr=False)
    timeout: float = 5.0


@dataclass(frozen=True)
class MemorySettings:
    """History limits."""

    turns: int = 8
    tokens: int = 1024
    idle_timeout: float = 300.0


@dataclass(frozen=True)
class AgentConfig:
    """Everything the agent needs, parsed once."""

    agent: AgentSettings
    memory: MemorySettings
    languages: tuple[str, ...]
    persona: Persona
    policy: ActionPolicy
    max_actions_per_minute: int
    data_dir: Path
    llama: LlamaSettings | None = None
    openai: OpenAISettings | None = None
    hass: HassSettings | None = None

    @property
    def model_name(self) -> str:
        """What the info's model is called."""
        if self.llama is not None:
            return Path(self.llama.model).name
        if self.openai is not None:
            return self.openai.model
        return "home-assistant-intents"


def _read_secret(path: Path | None, env_name: str, flag: str) -> str | None:
    if path is not None:
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as err:
            raise ConfigError(flag, f"cannot read {path}: {err.strerror}") from err
    value = read_env(env_name)
    return value.strip() if value else None


def agent_config(args: argparse.Namespace) -> AgentConfig:
    """Validate and freeze the agent's flags."""
    if args.model and args.openai_url:
        raise ConfigError("--openai-url", "use either --model or --openai-url, not both")
    llama = openai = hass = None
    if args.model:
        llama = LlamaSettings(
            model=args.model,
            download_dir=args.download_dir,
            n_gpu_layers=args.n_gpu_layers,
            context_size=args.context_size,
            threads=args.threads,
            seed=args.seed,
        )
    if args.openai_url:
        if not args.openai_model:
            raise ConfigError("--openai-model", "needed with --openai-url")
        key = _read_secret(
            args.openai_api_key_file, f"{ENV_PREFIX}_OPENAI_API_KEY", "--openai-api-key-file"
        )
        openai = OpenAISettings(url=args.openai_url, model=args.openai_model, api_key=key)
    if args.hass_url:
        if not args.hass_url.startswith(("http://", "https://", "ws://", "wss://")):
            raise ConfigError("--hass-url", f"expected http(s)://HOST:PORT, got {args.hass_url!r}")
        token = _read_secret(args.hass_token_file, f"{ENV_PREFIX}_HASS_TOKEN", "--hass-token-file")
        if not token:
            raise ConfigError(
                "--hass-token-file", "a long-lived access token is needed with --hass-url"
            )
        hass = HassSettings(url=args.hass_url, token=token, timeout=args.hass_timeout)
    if args.max_tool_rounds < 0:
        raise ConfigError("--max-tool-rounds", "must be 0 or more")
    persona = load_persona(args.persona) if args.persona else DEFAULT_PERSONA
    languages = tuple(dict.fromkeys(args.language))
    return AgentConfig(
        agent=AgentSettings(
            language=languages[0],
            generation=GenerationOptions(
                max_tokens=args.max_tokens,
                temperature=args.temperature,
                max_tool_rounds=args.max_tool_rounds,
                max_sentences=args.max_sentences,
                seed=args.seed,
            ),
            turn_timeout=args.turn_timeout,
        ),
        memory=MemorySettings(args.history_turns, args.history_tokens, args.conversation_timeout),
        languages=languages,
        persona=persona,
        policy=ActionPolicy(frozenset(args.allow_domains), SensitiveMode(args.sensitive_actions)),
        max_actions_per_minute=args.max_actions_per_minute,
        data_dir=args.data_dir,
        llama=llama,
        openai=openai,
        hass=hass,
    )
