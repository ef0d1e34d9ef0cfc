"""The --names-file: the names people say, as Home Assistant would list them.

One name per line (`#` starts a comment). A plain line may be an entity or an area. A line may
say what it is, as Home Assistant does:

    light: Desk Lamp          an entity of that domain (light, cover, lock, media_player, ...)
    area: Guest Room          an area (or floor)
    Porch Light               either

Whisper gets every name in its prompt; the embedded engine's grammar lets a verb name only what
it acts on ("open" a cover, "dim" a light: pocketsphinx/name_slots.py), so a typed line keeps
mishearings from becoming commands for the wrong kind of device.
"""

from __future__ import annotations

import re
from pathlib import Path

from .biasing import read_list_file, unique
from .engines import Vocabulary

AREA = "area"
_TYPED = re.compile(r"^([a-z][a-z_]*)\s*:\s*(\S.*)$")
"""`domain: Name`; the domain is lower case, as Home Assistant writes it."""


def parse_names(lines: tuple[str, ...]) -> Vocabulary:
    """Names, areas and the domains of the typed entity lines."""
    names: list[str] = []
    areas: list[str] = []
    domains: list[tuple[str, str]] = []
    for line in lines:
        match = _TYPED.match(line)
        if match is None:
            names.append(line)
            areas.append(line)
            continue
        kind, name = match.group(1), " ".join(match.group(2).split())
        if kind == AREA:
            areas.append(name)
        else:
            names.append(name)
            domains.append((name, kind))
    return Vocabulary(names=unique(names), areas=unique(areas), domains=tuple(domains))


def read_names_file(path: Path) -> Vocabulary:
    """The names of a --names-file (EngineError when it cannot be read). Blocking."""
    return parse_names(read_list_file(path))
