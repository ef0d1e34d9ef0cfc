"""The --names-file: the names people say, as Home Assistant would list them.

One name per line (`#` starts a comment). A plain line may be an entity or an area. A line may
say what it is, as Home Assistant does:

    light: Desk Lamp          an entity of that domain (light, cover, lock, media_player, ...;
                              case does not matter, `Media Player` is media_player)
    area: Guest Room          an area (or floor)
    Porch Light               either

Whisper gets every name in its prompt; the embedded engine's grammar lets a verb name only what
it acts on ("open" a cover, "dim" a light: pocketsphinx/name_slots.py), so a typed line keeps
mishearings from becoming commands for the wrong kind of device.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from .biasing import read_list_file, unique
from .engines import Vocabulary

_LOGGER = logging.getLogger(__name__)

AREA = "area"
DOMAINS = frozenset(
    (
        "air_quality", "alarm_control_panel", "assist_satellite", "automation",
        "binary_sensor", "button", "calendar", "camera", "climate", "counter", "cover",
        "date", "datetime", "device_tracker", "event", "fan", "group", "humidifier", "image",
        "input_boolean", "input_button", "input_datetime", "input_number", "input_select",
        "input_text", "lawn_mower", "light", "lock", "media_player", "notify", "number",
        "person", "remote", "scene", "script", "select", "sensor", "siren", "sun", "switch",
        "text", "time", "timer", "todo", "update", "vacuum", "valve", "water_heater",
        "weather", "zone",
    )
)  # fmt: skip
"""Home Assistant's entity domains a line may name (and `area`)."""
_TYPED = re.compile(r"^([A-Za-z][A-Za-z_ ]*?)\s*:\s*(\S.*)$")


def parse_names(lines: tuple[str, ...]) -> Vocabulary:
    """Names, areas and the domains of the typed entity lines. A prefix that is no Home
    Assistant domain ("mediaplayer: TV") is a warning, and the line is read as a plain name."""
    names: list[str] = []
    areas: list[str] = []
    domains: list[tuple[str, str]] = []
    for line in lines:
        match = _TYPED.match(line)
        kind = match.group(1).strip().lower().replace(" ", "_") if match else ""
        if match is None or (kind not in DOMAINS and kind != AREA):
            if match is not None:
                _LOGGER.warning(
                    "--names-file: %r: %r is no Home Assistant domain (light, cover, "
                    "media_player, ...) nor `area`; read as a plain name",
                    line,
                    match.group(1),
                )
            names.append(line)
            areas.append(line)
            continue
        name = " ".join(match.group(2).split())
        if kind == AREA:
            areas.append(name)
        else:
            names.append(name)
            domains.append((name, kind))
    return Vocabulary(names=unique(names), areas=unique(areas), domains=tuple(domains))


def read_names_file(path: Path) -> Vocabulary:
    """The names of a --names-file (EngineError when it cannot be read). Blocking."""
    return parse_names(read_list_file(path))
