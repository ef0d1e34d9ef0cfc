"""The demo home every test starts from."""

from __future__ import annotations

from .house import House

_LIGHT_COLOR_FEATURES = 44  # EFFECT | FLASH | TRANSITION, as HA's demo lights report
_COVER_OPEN_CLOSE = 3
_COVER_POSITION = 15  # OPEN | CLOSE | SET_POSITION | STOP


def build_default_house() -> House:
    """Return the demo home: 4 areas on 2 floors, 16 entities plus HA's own conversation agent."""
    house = House()
    house.add_floor("ground", "Ground Floor", 0)
    house.add_floor("first", "First Floor", 1)
    house.add_area("kitchen", "Kitchen", "ground")
    house.add_area("living_room", "Living Room", "ground", aliases=["Lounge"])
    house.add_area("office", "Office", "first", aliases=["Study"])
    house.add_area("bedroom", "Bedroom", "first")
    _add_lights(house)
    _add_climate_and_sensors(house)
    _add_openings(house)
    _add_media_and_automation(house)
    # HA's own conversation agent: present as an entity, never exposed to assistants.
    house.add_entity(
        "conversation.home_assistant",
        "Home Assistant",
        "unknown",
        {"supported_features": 1},
        platform="conversation",
        exposed=False,
    )
    return house


def _add_lights(house: House) -> None:
    # The kitchen light takes its area from its device, as most HA entities do.
    kitchen_hub = house.add_device(
        "Kitchen Lights", "kitchen", manufacturer="Signify", model="Hue color lamp"
    )
    house.add_entity(
        "light.kitchen",
        "Kitchen Lights",
        "off",
        {
            "supported_color_modes": ["color_temp", "hs"],
            "color_mode": None,
            "brightness": None,
            "hs_color": None,
            "rgb_color": None,
            "color_temp_kelvin": None,
            "min_color_temp_kelvin": 2000,
            "max_color_temp_kelvin": 6500,
            "supported_features": _LIGHT_COLOR_FEATURES,
        },
        device_id=kitchen_hub.id,
        aliases=["Kitchen"],
        platform="hue",
    )
    house.add_entity(
        "light.office_standing",
        "Standing Light",
        "on",
        {
            "supported_color_modes": ["brightness"],
            "color_mode": "brightness",
            "brightness": 180,
            "supported_features": 0,
        },
        area_id="office",
    )
    house.add_entity(
        "light.bed_light",
        "Bed Light",
        "off",
        {
            "supported_color_modes": ["brightness"],
            "color_mode": None,
            "brightness": None,
            "supported_features": 0,
        },
        area_id="bedroom",
    )
    house.add_entity("switch.coffee_maker", "Coffee Maker", "off", area_id="kitchen", exposed=False)
    house.add_entity(
        "fan.office",
        "Office Fan",
        "off",
        {"percentage": 0, "percentage_step": 1.0, "supported_features": 49},
        area_id="office",
    )


def _add_climate_and_sensors(house: House) -> None:
    house.add_entity(
        "climate.ecobee",
        "EcoBee",
        "heat",
        {
            "hvac_modes": ["off", "heat", "cool", "heat_cool", "auto"],
            "min_temp": 7,
            "max_temp": 35,
            "target_temp_step": 0.5,
            "current_temperature": 21.5,
            "temperature": 21.0,
            "current_humidity": 45,
            "hvac_action": "heating",
            "supported_features": 385,
        },
        area_id="living_room",
    )
    sensors = [
        ("sensor.outdoor_humidity", "Outdoor Humidity", "62", "%", "humidity", None),
        ("sensor.office_temperature", "Office Temperature", "22.1", "°C", "temperature", "office"),
        (
            "sensor.kitchen_temperature",
            "Kitchen Temperature",
            "20.4",
            "°C",
            "temperature",
            "kitchen",
        ),
    ]
    for entity_id, name, value, unit, device_class, area_id in sensors:
        house.add_entity(
            entity_id,
            name,
            value,
            {"state_class": "measurement", "unit_of_measurement": unit},
            device_class=device_class,
            area_id=area_id,
        )


def _add_openings(house: House) -> None:
    house.add_entity("lock.front_door", "Front Door", "locked", {"supported_features": 0})
    house.add_entity(
        "cover.garage_door",
        "Garage Door",
        "closed",
        {"supported_features": _COVER_OPEN_CLOSE},
        device_class="garage",
    )
    house.add_entity(
        "cover.office_blinds",
        "Office Blinds",
        "open",
        {"current_position": 100, "supported_features": _COVER_POSITION},
        device_class="blind",
        area_id="office",
    )
    house.add_entity(
        "binary_sensor.sliding_door",
        "Sliding Door",
        "off",
        device_class="door",
        area_id="office",
    )


def _add_media_and_automation(house: House) -> None:
    house.add_entity(
        "media_player.tv",
        "TV",
        "off",
        {"volume_level": 0.3, "is_volume_muted": False, "supported_features": 152461},
        device_class="tv",
        area_id="living_room",
    )
    house.add_entity(
        "script.party_time",
        "Party Time",
        "off",
        {"last_triggered": None, "mode": "single", "current": 0},
    )
    house.add_entity(
        "scene.movie_night",
        "Movie Night",
        "unknown",
        {"entity_id": ["media_player.tv", "light.kitchen"], "id": "movie_night"},
    )
