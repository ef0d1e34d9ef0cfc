"""The agent's flags, declared once on the settings dataclasses they fill (each also read from
WYOMING_LLM_* variables), and the frozen AgentConfig built from them with messages that name
the flag."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

from wyoming_common.config import (
    ServiceSettings,
    group,
    option,
    positive_float,
    positive_int,
    read_env,
    service_group,
)
from wyoming_common.errors import ConfigError

from .agent import AgentSettings
from .engines.llama import LlamaSettings
from .engines.openai import OpenAISettings
from .intents.policy import DEFAULT_ALLOWED_DOMAINS, ActionPolicy, SensitiveMode
from .model_turn import GenerationOptions
from .persona import DEFAULT_PERSONA, Persona, load_persona

ENV_PREFIX = "WYOMING_LLM"
DESCRIPTION = """\
A Wyoming conversation agent (handle program) for Home Assistant. Commands are understood with
Home Assistant's own sentence templates and carried out through its intents; everything else
goes to a local language model (llama.cpp GGUF, or an OpenAI-compatible server) whose tools are
the same intents. Actions only touch entities exposed to Assist, must be supported by the words
said, are checked by a safety policy, and are audited."""


def _gpu_layers(text: str) -> int | None:
    if text.strip().lower() == "auto":
        return None
    return int(text)


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def default_data_dir() -> Path:
    """$XDG_DATA_HOME/wyoming-voice/llm (audit log)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "wyoming-voice" / "llm"


@dataclass(frozen=True)
class ModelFlags:
    """The language model (optional)."""

    model: str | None = option(None, help="GGUF file, or a Hugging Face id owner/repo[:file.gguf]")
    download_dir: Path | None = option(None, type=Path, help="where hub models are downloaded")
    n_gpu_layers: int | None = option(
        None,
        type=_gpu_layers,
        metavar="N|auto",
        help="layers on the GPU: auto (default) = all when llama.cpp has GPU support, else 0",
    )
    context_size: int = option(4096, type=positive_int, help="context tokens")
    threads: int | None = option(
        None, type=positive_int, help="CPU threads (default: one per physical core this may use)"
    )
    seed: int = option(0, type=int, help="sampling seed")
    temperature: float = option(0.3, type=float, help="sampling temperature of answers")
    max_tokens: int = option(96, type=positive_int, help="most tokens generated per answer")
    max_tool_rounds: int = option(
        1,
        type=_non_negative_int,
        help="times a tool result naming something unknown is fed back to the model",
    )
    max_sentences: int = option(
        2, type=positive_int, help="sentences spoken before generation is stopped"
    )
    openai_url: str | None = option(
        None,
        help="use an OpenAI-compatible server instead of --model"
        " (e.g. http://127.0.0.1:11434 for Ollama)",
    )
    openai_model: str | None = option(None, help="model name on that server")
    openai_api_key_file: Path | None = option(None, type=Path, help="file holding the API key")


@dataclass(frozen=True)
class HassFlags:
    """Where Home Assistant is (optional)."""

    hass_url: str | None = option(None, help="e.g. http://homeassistant.local:8123")
    hass_token_file: Path | None = option(
        None,
        type=Path,
        help="file holding a long-lived access token (or WYOMING_LLM_HASS_TOKEN); needs --hass-url",
    )
    hass_timeout: float = option(
        2.5,
        type=positive_float,
        help="seconds before an unanswered Home Assistant request fails (the spoken error"
        " comes within about this time)",
    )


@dataclass(frozen=True)
class SafetyFlags:
    """What the agent may do."""

    allow_domains: tuple[str, ...] = option(
        DEFAULT_ALLOWED_DOMAINS, nargs="+", metavar="DOMAIN", help="domains the agent may act on"
    )
    sensitive_actions: str = option(
        SensitiveMode.DENY.value,
        choices=tuple(m.value for m in SensitiveMode),
        help="locks, alarms, cameras, garage doors, gates and gas valves: never, after a"
        " spoken 'confirm' in the next turn, or always",
    )
    max_actions_per_minute: int = option(
        20, type=positive_int, help="actions allowed in any 60 seconds"
    )
    data_dir: Path = option(
        type=Path, factory=default_data_dir, help="where the audit log (audit.jsonl) is written"
    )


@dataclass(frozen=True)
class ConversationFlags:
    """How conversations behave."""

    languages: tuple[str, ...] = option(
        ("en",), flag="--language", nargs="+", help="languages offered to HA"
    )
    persona: Path | None = option(
        None, type=Path, help="persona YAML: name, style, instructions, language"
    )
    history_turns: int = option(8, type=positive_int, help="turns remembered")
    history_tokens: int = option(1024, type=positive_int, help="tokens of history in the prompt")
    conversation_timeout: float = option(
        300.0,
        type=positive_float,
        help="seconds after the last turn before a conversation is forgotten",
    )
    turn_timeout: float = option(
        60.0, type=positive_float, help="seconds a turn may take before the agent apologises"
    )


@dataclass(frozen=True)
class AgentFlags:
    """Every flag of the agent (also used by `ask` and `bench llm`)."""

    model: ModelFlags = group(
        ModelFlags, title="language model (optional: without one, only commands)"
    )
    hass: HassFlags = group(
        HassFlags, title="Home Assistant (optional: without it, the agent only chats)"
    )
    safety: SafetyFlags = group(SafetyFlags, title="safety")
    conversation: ConversationFlags = group(ConversationFlags, title="conversation")


@dataclass(frozen=True)
class LlmSettings:
    """The server: the agent's flags and where to listen."""

    service: ServiceSettings = service_group("llm", 10500)
    agent: AgentFlags = group(AgentFlags)


@dataclass(frozen=True)
class HassSettings:
    """How to reach Home Assistant. The token is kept out of repr."""

    url: str
    token: str = field(repr=False)
    timeout: float = 2.5


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


def _engines(flags: ModelFlags) -> tuple[LlamaSettings | None, OpenAISettings | None]:
    if flags.model and flags.openai_url:
        raise ConfigError("--openai-url", "use either --model or --openai-url, not both")
    llama = openai = None
    if flags.model:
        llama = LlamaSettings(
            model=flags.model,
            download_dir=flags.download_dir,
            n_gpu_layers=flags.n_gpu_layers,
            context_size=flags.context_size,
            threads=flags.threads,
            seed=flags.seed,
        )
    if flags.openai_url:
        if not flags.openai_model:
            raise ConfigError("--openai-model", "needed with --openai-url")
        key = _read_secret(
            flags.openai_api_key_file, f"{ENV_PREFIX}_OPENAI_API_KEY", "--openai-api-key-file"
        )
        openai = OpenAISettings(url=flags.openai_url, model=flags.openai_model, api_key=key)
    return llama, openai


def _hass(flags: HassFlags) -> HassSettings | None:
    if flags.hass_token_file is not None and not flags.hass_url:
        raise ConfigError("--hass-token-file", "needs --hass-url (where Home Assistant is)")
    if not flags.hass_url:
        return None
    if not flags.hass_url.startswith(("http://", "https://", "ws://", "wss://")):
        raise ConfigError("--hass-url", f"expected http(s)://HOST:PORT, got {flags.hass_url!r}")
    token = _read_secret(flags.hass_token_file, f"{ENV_PREFIX}_HASS_TOKEN", "--hass-token-file")
    if not token:
        raise ConfigError(
            "--hass-token-file", "a long-lived access token is needed with --hass-url"
        )
    return HassSettings(url=flags.hass_url, token=token, timeout=flags.hass_timeout)


def agent_config(flags: AgentFlags) -> AgentConfig:
    """Validate and freeze the agent's flags (ConfigError names the flag to fix)."""
    llama, openai = _engines(flags.model)
    chat = flags.conversation
    persona = load_persona(chat.persona) if chat.persona else DEFAULT_PERSONA
    languages = tuple(dict.fromkeys(chat.languages))
    model = flags.model
    safety = flags.safety
    return AgentConfig(
        agent=AgentSettings(
            language=languages[0],
            generation=GenerationOptions(
                max_tokens=model.max_tokens,
                temperature=model.temperature,
                max_tool_rounds=model.max_tool_rounds,
                max_sentences=model.max_sentences,
                seed=model.seed,
            ),
            turn_timeout=chat.turn_timeout,
        ),
        memory=MemorySettings(chat.history_turns, chat.history_tokens, chat.conversation_timeout),
        languages=languages,
        persona=persona,
        policy=ActionPolicy(
            frozenset(safety.allow_domains), SensitiveMode(safety.sensitive_actions)
        ),
        max_actions_per_minute=safety.max_actions_per_minute,
        data_dir=safety.data_dir,
        llama=llama,
        openai=openai,
        hass=_hass(flags.hass),
    )
