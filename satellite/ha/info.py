"""The satellite's `info`: an installed satellite plus its local wake word models."""

from __future__ import annotations

from collections.abc import Sequence

from wyoming.info import Attribution, Info, Satellite, WakeModel, WakeProgram

from wyoming_common.info import our_attribution, program_version

from ..wake.engine import WakeProgramInfo


def build_info(
    *,
    name: str,
    area: str | None,
    wake: WakeProgramInfo | None,
    active_wake_words: Sequence[str],
    has_vad: bool = False,
) -> Info:
    """What `describe` answers; HA parses it with wyoming 1.7.2 or 1.10.2 (all keys present)."""
    wake_programs: list[WakeProgram] = []
    if wake is not None:
        attribution = Attribution(name=wake.attribution_name, url=wake.attribution_url)
        wake_programs.append(
            WakeProgram(
                name=wake.name,
                attribution=attribution,
                installed=True,
                description=wake.description,
                version=None,
                models=[
                    WakeModel(
                        name=model.name,
                        attribution=attribution,
                        installed=True,
                        description=model.phrase,
                        version=None,
                        languages=list(model.languages),
                        phrase=model.phrase,
                    )
                    for model in wake.models
                ],
            )
        )
    return Info(
        wake=wake_programs,
        satellite=Satellite(
            name=name,
            attribution=our_attribution(),
            installed=True,
            description="wyoming-voice room satellite",
            version=program_version(),
            area=area,
            has_vad=has_vad,
            active_wake_words=list(active_wake_words),
            max_active_wake_words=max(1, len(active_wake_words)),
            supports_trigger=True,
        ),
    )
