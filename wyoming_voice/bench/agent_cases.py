"""The case-file format of `wyoming-voice bench agent`: one YAML file holds a home
(`home.floors/areas/devices/entities`) and the sentences to try in it (`tests`), exactly as
issue 12 item 6 defines it, plus optional keys that are never required: top-level
`agent.args`; floor/area `aliases`; device `timers`; entity `exposed`, `device`,
`device_class`, `items`/`completed`; test `expect_error: any`, `reply_contains`,
`preceded_by`, `agent.args`; the pseudo-entity `timers.<device id>` and the value `"*"`.
The format with examples: tests/agent_cases/README.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .agent_spec import (
    Area,
    CaseFormatError,
    Device,
    Entity,
    Floor,
    Home,
    as_list,
    as_mapping,
    as_text,
    as_texts,
    parse_home,
    state_text,
    warn_unknown,
)

__all__ = [
    "ANY_VALUE",
    "TIMERS_DOMAIN",
    "Area",
    "Case",
    "CaseFile",
    "CaseFormatError",
    "Device",
    "Entity",
    "Floor",
    "Home",
    "load_case_file",
    "parse_case_file",
    "state_text",
]


TIMERS_DOMAIN = "timers"  # pseudo-entities `timers.<device id>`: the device's intent timers
ANY_VALUE = "*"
_TOP_KEYS = {"home", "tests", "agent"}
_TEST_KEYS = {
    "category",
    "sentences",
    "setup",
    "expect_changes",
    "ignore_changes",
    "device_id",
    "expect_error",
    "reply_contains",
    "preceded_by",
    "agent",
}


@dataclass(frozen=True)
class Case:
    """One test block: several sentences that share setup and expectations."""

    category: str
    sentences: tuple[str, ...]
    setup: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    expect_changes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    ignore_changes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    device_id: str | None = None
    expect_error: bool | None = False  # None: either answer is right ("any")
    reply_contains: tuple[str, ...] = ()
    preceded_by: tuple[str, ...] = ()
    agent_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseFile:
    """A parsed case file."""

    path: Path
    home: Home
    cases: tuple[Case, ...]
    agent_args: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The file name without extension."""
        return self.path.stem

    def sentence_count(self) -> int:
        """How many sentences the file tries."""
        return sum(len(case.sentences) for case in self.cases)


def load_case_file(path: Path) -> CaseFile:
    """Parse and check one case file; raises CaseFormatError naming what is wrong."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise CaseFormatError(f"{path}: {err}") from err
    return parse_case_file(raw, path)


def parse_case_file(raw: Any, path: Path) -> CaseFile:
    """Check an already-parsed YAML document."""
    where = str(path)
    top = as_mapping(raw, where)
    warn_unknown(top, _TOP_KEYS, where)
    home = parse_home(as_mapping(top.get("home"), f"{where}: home"), f"{where}: home")
    cases = tuple(
        _case(as_mapping(item, f"{where}: tests[{i}]"), f"{where}: tests[{i}]", home)
        for i, item in enumerate(as_list(top.get("tests"), f"{where}: tests"))
    )
    if not cases:
        raise CaseFormatError(f"{where}: no tests")
    return CaseFile(path, home, cases, _agent_args(top.get("agent"), f"{where}: agent"))


def _agent_args(value: Any, where: str) -> tuple[str, ...]:
    data = as_mapping(value, where)
    return as_texts(data.get("args"), f"{where}.args")


def _case(data: dict[str, Any], where: str, home: Home) -> Case:
    warn_unknown(data, _TEST_KEYS, where)
    sentences = as_texts(data.get("sentences"), f"{where}.sentences")
    if not sentences:
        raise CaseFormatError(f"{where}: 'sentences' must list at least one sentence")
    known = {e.id for e in home.entities} | {f"{TIMERS_DOMAIN}.{d.id}" for d in home.devices}
    changes = {
        key: as_mapping(value, f"{where}.{section}.{key}")
        for section in ("setup", "expect_changes")
        for key, value in as_mapping(data.get(section), f"{where}.{section}").items()
    }
    for entity_id in changes:
        if entity_id not in known:
            raise CaseFormatError(f"{where}: unknown entity {entity_id}")
    device_id = as_text(data.get("device_id"), f"{where}.device_id", optional=True)
    if device_id is not None and device_id not in {d.id for d in home.devices}:
        raise CaseFormatError(f"{where}: device_id {device_id} is not in home.devices")
    expect_error = data.get("expect_error", False)
    if expect_error not in (True, False, "any"):
        raise CaseFormatError(f"{where}: expect_error must be true, false or any")
    ignore = {
        key: as_texts(value, f"{where}.ignore_changes.{key}")
        for key, value in as_mapping(data.get("ignore_changes"), f"{where}.ignore_changes").items()
    }
    return Case(
        category=str(as_text(data.get("category", "uncategorised"), f"{where}.category")),
        sentences=sentences,
        setup=_mapping_of_mappings(data.get("setup"), f"{where}.setup"),
        expect_changes=_mapping_of_mappings(data.get("expect_changes"), f"{where}.expect_changes"),
        ignore_changes=ignore,
        device_id=device_id,
        expect_error=None if expect_error == "any" else bool(expect_error),
        reply_contains=as_texts(data.get("reply_contains"), f"{where}.reply_contains"),
        preceded_by=as_texts(data.get("preceded_by"), f"{where}.preceded_by"),
        agent_args=_agent_args(data.get("agent"), f"{where}.agent"),
    )


def _mapping_of_mappings(value: Any, where: str) -> dict[str, dict[str, Any]]:
    return {
        key: as_mapping(item, f"{where}.{key}") for key, item in as_mapping(value, where).items()
    }
