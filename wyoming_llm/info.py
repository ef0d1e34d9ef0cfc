"""The `info` this service answers `describe` with (one handle program, as HA expects)."""

from __future__ import annotations

from collections.abc import Sequence

from wyoming.info import HandleModel, HandleProgram, Info

from wyoming_common.info import our_attribution, program_version

PROGRAM_NAME = "wyoming-voice-agent"


def agent_info(
    languages: Sequence[str], *, model_name: str, home_control: bool, streaming: bool = True
) -> Info:
    """Info with the handle program; HA names the entity conversation.wyoming_voice_agent."""
    return Info(
        handle=[
            HandleProgram(
                name=PROGRAM_NAME,
                description="Local conversation agent that can control Home Assistant",
                attribution=our_attribution(),
                installed=True,
                version=program_version(),
                models=[
                    HandleModel(
                        name=model_name,
                        description=None,
                        attribution=our_attribution(),
                        installed=True,
                        version=None,
                        languages=list(languages),
                    )
                ],
                supports_handled_streaming=streaming,
                supports_home_control=home_control,
            )
        ]
    )
