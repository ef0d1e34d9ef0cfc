"""A temperature asked of something the home measures ("how cold is it outside" → the Outdoor
Temperature sensor): which words name which thermometer, and the agent's answer over the
Wyoming protocol against the fake Home Assistant (without a model: nothing else could answer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fake_hass import FakeHomeAssistant
from wyoming_llm.hass.models import ExposedEntity
from wyoming_llm.intents.thermometers import asked_thermometer
from wyoming_llm.intents.utterance import Utterance

from .conftest import OFFICE_SATELLITE
from .support import agent_server, config_for, running_runtime, say

OUTDOOR = ExposedEntity(
    "sensor.outdoor_temperature", "Outdoor Temperature", device_class="temperature"
)
LAKE = ExposedEntity("sensor.lake_temperature", "Lake Temperature", device_class="temperature")
PLAIN = ExposedEntity("sensor.temperature", "Temperature", device_class="temperature")
PUMP = ExposedEntity("valve.lake_pump", "Lake Pump")
HUMIDITY = ExposedEntity("sensor.outdoor_humidity", "Outdoor Humidity", device_class="humidity")
HOME = (OUTDOOR, LAKE, PLAIN, PUMP, HUMIDITY)


@pytest.mark.parametrize(
    ("text", "entity_id"),
    [
        ("how cold is it outside", "sensor.outdoor_temperature"),
        ("what's the outside temperature", "sensor.outdoor_temperature"),
        ("How warm is the lake?", "sensor.lake_temperature"),
        ("how deep is the lake", None),  # no temperature word
        ("what's the weather like outside", None),  # the weather's, not a sensor's
        ("how humid is it outside", None),
        ("what's the temperature", None),  # names no thermometer ("Temperature" says nothing)
        ("turn on the lake pump", None),  # no question
        ("set the lake to 20 degrees", None),
    ],
)
def test_which_thermometer_a_question_names(text: str, entity_id: str | None) -> None:
    found = asked_thermometer(Utterance.of(text), HOME)
    assert (found.entity_id if found else None) == entity_id


def test_two_that_fit_are_no_answer() -> None:
    porch = ExposedEntity("sensor.porch", "Outdoor Porch Temperature", device_class="temperature")
    garden = ExposedEntity(
        "sensor.garden", "Outdoor Garden Temperature", device_class="temperature"
    )
    assert asked_thermometer(Utterance.of("how cold is it outdoors"), (porch, garden)) is None
    said = Utterance.of("how cold is it on the outdoor porch")
    assert asked_thermometer(said, (porch, garden)) == porch


async def test_the_agent_reads_the_sensor_the_question_names(
    hass: FakeHomeAssistant, tmp_path: Path
) -> None:
    hass.house.add_entity(
        "sensor.outdoor_temperature",
        "Outdoor Temperature",
        "-3",
        {"unit_of_measurement": "°C"},
        device_class="temperature",
    )
    config = config_for(tmp_path, hass_url=hass.url)
    async with running_runtime(config) as runtime, agent_server(runtime) as server:
        said = await say(server.uri, "how cold is it outside", device_id=OFFICE_SATELLITE)
        assert said.handled and said.text == "It is -3 degrees.", said
        said = await say(server.uri, "how humid is it outside", device_id=OFFICE_SATELLITE)
        assert "degrees" not in said.text, said
