"""Who the assistant is and how it talks: a persona YAML file, or the built-in default."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wyoming_common.errors import ConfigError


@dataclass(frozen=True)
class Persona:
    """Name, speaking style, extra instructions and reply language."""

    name: str = "Nabu"
    style: str = "friendly, calm and brief"
    instructions: str = ""
    language: str | None = None  # None: answer in the language of the question


DEFAULT_PERSONA = Persona()
_FIELDS = ("name", "style", "instructions", "language")


def load_persona(path: Path) -> Persona:
    """Read a persona file (YAML mapping with name, style, instructions, language)."""
    import yaml

    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError("--persona", f"cannot read {path}: {err.strerror}") from err
    except yaml.YAMLError as err:
        raise ConfigError("--persona", f"{path} is not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise ConfigError("--persona", f"{path} must hold a mapping of {', '.join(_FIELDS)}")
    unknown = sorted(set(data) - set(_FIELDS) - {"extra_instructions"})
    if unknown:
        raise ConfigError("--persona", f"unknown keys in {path}: {', '.join(unknown)}")
    instructions = data.get("instructions", data.get("extra_instructions", ""))
    return Persona(
        name=str(data.get("name") or DEFAULT_PERSONA.name),
        style=str(data.get("style") or DEFAULT_PERSONA.style),
        instructions=str(instructions or "").strip(),
        language=str(data["language"]) if data.get("language") else None,
    )
