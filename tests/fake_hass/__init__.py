"""A fake Home Assistant for tests and demos: a real aiohttp server with HA's API shapes.

`async with FakeHomeAssistant(token="t") as hass:` serves HA's websocket (`hass.ws_url`)
and REST API (`hass.url`) on a free loopback port; `hass.house` is the demo home.
"""

from .config_entry import ConfigEntry
from .default_house import build_default_house
from .errors import HouseError
from .house import Context, House, ServiceCall, State, StateChangedEvent
from .pipelines import PipelineStore
from .server import HA_VERSION, FakeHomeAssistant
from .wyoming_service import describe_wyoming

__all__ = [
    "HA_VERSION",
    "ConfigEntry",
    "Context",
    "FakeHomeAssistant",
    "House",
    "HouseError",
    "PipelineStore",
    "ServiceCall",
    "State",
    "StateChangedEvent",
    "build_default_house",
    "describe_wyoming",
]
