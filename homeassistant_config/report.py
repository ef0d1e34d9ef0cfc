"""What a setup run asked for (`SetupOptions`) and what it did (`SetupReport`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from wyoming_common.config import option

_LOGGER = logging.getLogger(__name__)

UNCHANGED = "unchanged"


@dataclass(frozen=True)
class SetupOptions:
    """What the pipeline should look like (the `pipeline` flags of ha-setup)."""

    pipeline_name: str = option("wyoming-voice", help="the pipeline's name")
    language: str = option("en", help="pipeline language (`en`, not `en-US`)")
    voice: str | None = option(None, help="TTS voice (default: first for language)")
    prefer_local_intents: bool = option(
        False, help="let Home Assistant handle simple commands itself before asking the agent"
    )
    set_preferred: bool = option(False, help="make it Home Assistant's preferred pipeline")
    expose: tuple[str, ...] = option(
        (),
        repeat=True,
        nargs="+",
        metavar="ENTITY",
        help="entity ids to expose to the assistant, e.g. light.kitchen",
    )

    def __post_init__(self) -> None:
        # `--expose a b --expose c` arrives as lists of lists: one flat list, each id once.
        flat: list[str] = []
        for item in self.expose:
            flat.extend([item] if isinstance(item, str) else item)
        object.__setattr__(self, "expose", tuple(dict.fromkeys(flat)))


@dataclass
class SetupReport:
    """What happened, step by step: (subject, outcome); outcomes other than `unchanged` changed
    Home Assistant. `error` is set when a step failed: the steps before it still happened."""

    steps: list[tuple[str, str]] = field(default_factory=list)
    pipeline: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    notes: list[str] = field(default_factory=list)  # for the user to check; changed nothing

    def add(self, subject: str, outcome: str) -> None:
        """Record one step."""
        _LOGGER.info("%s: %s", subject, outcome)
        self.steps.append((subject, outcome))

    def note(self, text: str) -> None:
        """Record something the user should check by hand (nothing was changed for it)."""
        _LOGGER.info("note: %s", text)
        self.notes.append(text)

    @property
    def changed(self) -> bool:
        """Whether any step changed Home Assistant."""
        return any(outcome != UNCHANGED for _subject, outcome in self.steps)

    @property
    def ok(self) -> bool:
        """Whether every step succeeded."""
        return self.error is None

    def lines(self) -> list[str]:
        """The report as printed: one line per step, the pipeline, then a summary."""
        width = max((len(outcome) for _subject, outcome in self.steps), default=0)
        lines = [f"{outcome:>{width}}  {subject}" for subject, outcome in self.steps]
        lines += [f"note: {text}" for text in self.notes]
        if self.pipeline and self.ok:
            lines += ["", "Pipeline:"]
            lines += [f"  {key}: {value}" for key, value in self.pipeline.items()]
        if self.ok and not self.changed:
            lines += ["", "Nothing changed: Home Assistant was already set up."]
        elif not self.ok:
            done = "the steps above were done before the failure" if self.changed else ""
            lines += ["", f"Setup stopped{': ' + done if done else ''}."]
        return lines
