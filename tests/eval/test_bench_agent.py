"""`wyoming-voice bench agent`: the real agent (fast path) against the fake Home Assistant on
a case file whose outcomes are known, plus the format checks and the judging rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from wyoming_voice.bench import agent as bench
from wyoming_voice.bench.agent_cases import Case, CaseFile, CaseFormatError, parse_case_file
from wyoming_voice.bench.agent_home import (
    apply_setup,
    baseline,
    build_house,
    diff,
    reset_house,
    snapshot,
)
from wyoming_voice.bench.agent_judge import Reply, judge
from wyoming_voice.bench.real_models import real_models

from .conftest import HOME_FILE

CASES_DIR = Path(__file__).resolve().parents[1] / "agent_cases"


def test_bench_counts_each_outcome(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--cases", str(HOME_FILE), "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    report = json.loads(lines[-1])
    assert report["model"] == "fast-path"
    assert report["overall"] | {"p50_ms": 0, "p95_ms": 0} == {
        "sentences": 6,
        "passed": 2,
        "wrong_action": 1,
        "no_match": 1,
        "false_success": 1,
        "wrong_answer": 1,
        "error": 0,
        "passed_pct": 33.3,
        "p50_ms": 0,
        "p95_ms": 0,
    }
    assert 0 < report["overall"]["p50_ms"] <= report["overall"]["p95_ms"]
    wrong = next(f for f in report["failures"] if f["outcome"] == "wrong_action")
    assert wrong["changes"]["light.kitchen_ceiling"]["state"] == "on"
    assert lines[0].startswith("category") and any(line.startswith("overall") for line in lines)


def test_bench_flags(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert bench.main(["--cases", str(HOME_FILE), "--model", "no-such-model"]) == 2
    assert "--model" in capsys.readouterr().err
    broken = tmp_path / "broken.yaml"
    broken.write_text("home: {entities: []}\ntests: [{sentences: [hi], setup: {light.x: {}}}]\n")
    assert bench.main(["--cases", str(broken)]) == 2
    assert "unknown entity light.x" in capsys.readouterr().err


def test_shipped_case_files_parse() -> None:
    files = bench.load_cases([CASES_DIR])
    homes = {tuple(sorted(a.name for a in f.home.areas)) for f in files}
    assert len(homes) >= 3
    assert sum(f.sentence_count() for f in files) >= 200


def _case(**fields: Any) -> Case:
    raw = {"home": yaml.safe_load(HOME_FILE.read_text())["home"], "tests": [fields]}
    return parse_case_file(raw, HOME_FILE).cases[0]


def test_format_keeps_yaml_booleans_as_states() -> None:
    case = _case(sentences=["x"], setup={"light.bed_light": {"state": False}})
    assert case.setup["light.bed_light"]["state"] is False
    outcome = judge(
        _case(sentences=["x"], expect_changes={"light.bed_light": {"state": True}}),
        {"light.bed_light": {"state": "on", "brightness": 255}},
        Reply("ok", True),
    )
    assert outcome.outcome == "passed"
    with pytest.raises(CaseFormatError, match="expect_error"):
        _case(sentences=["x"], expect_error="maybe")


@pytest.mark.parametrize(
    ("changes", "reply", "outcome"),
    [
        ({"cover.garage_door": {"state": "open"}}, Reply("Done", True), "passed"),
        ({}, Reply("Done", True), "no_match"),
        ({"cover.garage_door": {"state": "closing"}}, Reply("Done", True), "wrong_action"),
        (
            {"cover.garage_door": {"state": "open"}, "light.bed_light": {"state": "on"}},
            Reply("Done", True),
            "wrong_action",
        ),
        ({"cover.garage_door": {"state": "open"}}, Reply("Sorry", False), "no_match"),
        ({}, Reply(error="timeout"), "error"),
    ],
)
def test_judging(changes: dict[str, Any], reply: Reply, outcome: str) -> None:
    case = _case(
        sentences=["open the garage door"], expect_changes={"cover.garage_door": {"state": "open"}}
    )
    assert judge(case, changes, reply).outcome == outcome


def test_side_effects_and_expectations() -> None:
    pause = _case(sentences=["pause"], expect_changes={"media_player.tv": {"state": "paused"}})
    turned_off = {"media_player.tv": {"state": "off"}}
    assert judge(pause, turned_off, Reply("Paused", True)).outcome == "wrong_action"
    dim = _case(sentences=["dim"], expect_changes={"light.bed_light": {"brightness": 128}})
    with_color = {"light.bed_light": {"state": "on", "brightness": 128, "color_mode": "brightness"}}
    assert judge(dim, with_color, Reply("ok", True)).outcome == "wrong_action"  # state not asked
    on = _case(sentences=["on"], expect_changes={"light.bed_light": {"state": "on"}})
    assert judge(on, with_color, Reply("ok", True)).outcome == "passed"
    refuse = _case(sentences=["unlock"], expect_error=True)
    assert judge(refuse, {}, Reply("For safety, no.", True)).outcome == "false_success"
    assert judge(refuse, {}, Reply("For safety, no.", False)).outcome == "passed"
    chat = _case(sentences=["joke"], expect_error="any")
    assert judge(chat, {}, Reply("Ha", True)).outcome == "passed"
    assert judge(chat, {}, Reply("No model", False)).outcome == "passed"
    weather = _case(sentences=["weather"], reply_contains=["-24", "minus 24"])
    assert judge(weather, {}, Reply("It is minus 24 degrees.", True)).outcome == "passed"
    assert judge(weather, {}, Reply("It is 72 degrees.", True)).outcome == "wrong_answer"
    scene = _case(sentences=["movie"], expect_changes={"scene.movie_night": {"state": "*"}})
    assert (
        judge(scene, {"scene.movie_night": {"state": "2025"}}, Reply("", True)).outcome == "passed"
    )
    ignore = _case(
        sentences=["x"],
        expect_changes={"light.bed_light": {"brightness": 128}},
        ignore_changes={"light.bed_light": ["state"]},
    )
    assert judge(ignore, with_color, Reply("ok", True)).outcome == "passed"


def test_setup_reset_and_snapshots(home_cases: CaseFile) -> None:
    house = build_house(home_cases.home)
    pristine = baseline(house)
    before = snapshot(house)
    assert before["timers.kitchen_satellite"] == {
        "state": "0",
        "seconds": [],
        "names": [],
        "active": [],
    }
    assert "timers.hall_panel" not in before  # cannot run timers
    assert before["todo.shopping_list"]["items"] == ["Milk", "Eggs"]
    assert before["assist_satellite.kitchen_satellite"]["state"] == "idle"
    apply_setup(
        house,
        {
            "timers.kitchen_satellite": {"seconds": [90], "names": ["tea"], "active": [False]},
            "todo.shopping_list": {"items": ["Jam"], "completed": ["Milk"]},
            "light.bed_light": {"state": True, "brightness": 10},
        },
    )
    changes = diff(before, snapshot(house))
    assert changes["timers.kitchen_satellite"] == {
        "state": "1",
        "seconds": [90],
        "names": ["tea"],
        "active": [False],
    }
    assert changes["todo.shopping_list"] == {"state": "1", "items": ["Jam"], "completed": ["Milk"]}
    assert changes["light.bed_light"] == {"state": "on", "brightness": 10}
    timer = house.intent_state.timers.active()[0]
    assert (timer.start_hours, timer.start_minutes, timer.start_seconds) == (None, 1, 30)
    reset_house(house, pristine)
    assert diff(before, snapshot(house)) == {}


def test_model_names(tmp_path: Path) -> None:
    models = real_models(tmp_path)
    (tmp_path / "llm").mkdir()
    models.qwen_0_5b.write_bytes(b"gguf")
    assert bench.resolve_model("qwen-0.5b", models) == models.qwen_0_5b
    assert bench.resolve_model(models.qwen_0_5b.name, models) == models.qwen_0_5b
    assert bench.resolve_model(str(models.qwen_0_5b), models) == models.qwen_0_5b
    assert bench.resolve_model(None, models) is None
    with pytest.raises(ValueError, match=r"qwen-1\.5b"):
        bench.resolve_model("qwen-1.5b", models)
