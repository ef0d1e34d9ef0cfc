"""Choosing the standalone services by their `info` (explicit URIs win)."""

from __future__ import annotations

import pytest
from wyoming.info import AsrModel, AsrProgram, Attribution, Info

from voice_pipeline.endpoints import EndpointResolver, EndpointSettings, choose_endpoints
from voice_pipeline.errors import PipelineError
from wyoming_common import ATTRIBUTION_NAME
from wyoming_common.discovery import DiscoveredService

from .wyoming_services import agent_info, pipeline_services, stt_info, tts_info


def ours(info: Info) -> Info:
    for program in info.asr:
        program.attribution = Attribution(name=ATTRIBUTION_NAME, url="x")
    return info


def test_prefers_our_programs_and_skips_satellites() -> None:
    other_stt = stt_info()
    candidates = [
        ("tcp://a:1", other_stt),
        ("tcp://b:2", ours(stt_info())),
        ("tcp://c:3", agent_info(True)),
        ("tcp://d:4", tts_info(True)),
    ]
    endpoints = choose_endpoints(candidates)
    assert (endpoints.stt_uri, endpoints.agent_uri, endpoints.tts_uri) == (
        "tcp://b:2",
        "tcp://c:3",
        "tcp://d:4",
    )
    assert choose_endpoints(candidates, tts_uri="tcp://x:9").tts_uri == "tcp://x:9"


def test_uninstalled_or_missing_stage() -> None:
    model = AsrModel(
        name="m",
        attribution=Attribution("a", "b"),
        installed=True,
        description=None,
        version=None,
        languages=["en"],
    )
    stt = Info(
        asr=[
            AsrProgram(
                name="s",
                attribution=Attribution("a", "b"),
                installed=False,
                description=None,
                version=None,
                models=[model],
            )
        ]
    )
    with pytest.raises(PipelineError) as err:
        choose_endpoints([("tcp://a:1", stt), ("tcp://c:3", agent_info(False))])
    assert err.value.stage == "stt" and "tts" in str(err.value)


async def test_discovery_describes_what_zeroconf_found() -> None:
    async with pipeline_services() as (stt, agent, tts, _records):
        found = [
            DiscoveredService(name, "127.0.0.1", int(uri.rsplit(":", 1)[1]))
            for name, uri in (("stt", stt), ("agent", agent), ("tts", tts))
        ]
        found.append(DiscoveredService("gone", "127.0.0.1", 9))

        async def browser(seconds: float) -> list[DiscoveredService]:
            return found

        resolver = EndpointResolver(
            EndpointSettings(discover=True, agent_uri=agent), browser=browser
        )
        endpoints = await resolver.resolve()
    assert (endpoints.stt_uri, endpoints.agent_uri, endpoints.tts_uri) == (stt, agent, tts)


async def test_no_discovery_and_no_uri_names_the_flag() -> None:
    with pytest.raises(PipelineError, match="--stt-uri"):
        await EndpointResolver(EndpointSettings(tts_uri="tcp://x:1")).resolve()
