"""Config entries and config flows (how integrations such as Wyoming are added)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import HomeAssistantCommandError, HomeAssistantResponseError
from .models import as_list

if TYPE_CHECKING:
    from .client import HomeAssistantClient

FLOWS = "/api/config/config_entries/flow"
ENTRIES = "/api/config/config_entries/entry"


@dataclass(frozen=True)
class ConfigEntry:
    """A config entry as HA lists it (HA never shows an entry's `data`)."""

    entry_id: str
    domain: str
    title: str
    source: str = "user"
    state: str = "loaded"
    disabled: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConfigEntry:
        """Parse HA's `entry_json` shape."""
        return cls(
            entry_id=str(data["entry_id"]),
            domain=str(data.get("domain", "")),
            title=str(data.get("title", "")),
            source=str(data.get("source", "")),
            state=str(data.get("state", "")),
            disabled=data.get("disabled_by") is not None,
        )


@dataclass(frozen=True)
class FlowResult:
    """One step of a config flow: a `form`, `create_entry` or `abort`."""

    type: str
    flow_id: str
    handler: str = ""
    step_id: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    reason: str | None = None  # abort reason
    entry: ConfigEntry | None = None  # create_entry
    data_schema: tuple[dict[str, Any], ...] = ()
    context: dict[str, Any] = field(default_factory=dict)  # flows in progress only

    @classmethod
    def from_dict(cls, data: Any) -> FlowResult:
        """Parse a flow answer (or a `config_entries/flow/progress` item)."""
        if not isinstance(data, Mapping) or "flow_id" not in data:
            raise HomeAssistantResponseError(f"unexpected config flow answer: {str(data)[:200]}")
        result = data.get("result")
        return cls(
            type=str(data.get("type") or "progress"),
            flow_id=str(data["flow_id"]),
            handler=str(data.get("handler", "")),
            step_id=data.get("step_id"),
            errors=dict(data.get("errors") or {}),
            reason=data.get("reason"),
            entry=ConfigEntry.from_dict(result) if isinstance(result, Mapping) else None,
            data_schema=tuple(f for f in data.get("data_schema") or () if isinstance(f, dict)),
            context=dict(data.get("context") or {}),
        )

    def suggested_values(self) -> dict[str, Any]:
        """The values a form pre-fills (a reconfigure form shows the entry's current data)."""
        values = {}
        for item in self.data_schema:
            description = item.get("description")
            if isinstance(description, Mapping) and "suggested_value" in description:
                values[str(item.get("name"))] = description["suggested_value"]
        return values


class ConfigFlows:
    """`client.config_flows`: list and remove entries, run flows, read an entry's settings."""

    def __init__(self, client: HomeAssistantClient) -> None:
        self._client = client

    async def entries(self, domain: str | None = None) -> list[ConfigEntry]:
        """Config entries, optionally of one integration."""
        fields = {"domain": domain} if domain else {}
        result = await self._client.command("config_entries/get", **fields)
        return [ConfigEntry.from_dict(e) for e in as_list(result)]

    async def remove_entry(self, entry_id: str) -> None:
        """Delete a config entry (and with it its devices and entities)."""
        await self._client.rest("DELETE", f"{ENTRIES}/{entry_id}")

    async def in_progress(self, handler: str | None = None) -> list[FlowResult]:
        """Flows waiting for the user that the user did not start (discoveries)."""
        result = await self._client.command("config_entries/flow/progress")
        flows = [FlowResult.from_dict(f) for f in as_list(result)]
        return [f for f in flows if handler in (None, f.handler)]

    async def start(self, handler: str, *, entry_id: str | None = None) -> FlowResult:
        """Start a user flow, or a reconfigure flow of `entry_id`."""
        body: dict[str, Any] = {"handler": handler, "show_advanced_options": False}
        if entry_id is not None:
            body["entry_id"] = entry_id
        return FlowResult.from_dict(await self._client.rest("POST", FLOWS, body))

    async def configure(self, flow_id: str, user_input: Mapping[str, Any]) -> FlowResult:
        """Submit the current step of a flow."""
        answer = await self._client.rest("POST", f"{FLOWS}/{flow_id}", dict(user_input))
        return FlowResult.from_dict(answer)

    async def abort(self, flow_id: str) -> None:
        """Drop a flow in progress."""
        await self._client.rest("DELETE", f"{FLOWS}/{flow_id}")

    async def entry_settings(self, handler: str, entry_id: str) -> dict[str, Any] | None:
        """An entry's current settings (e.g. Wyoming host and port), read from the form of
        a reconfigure flow that is then dropped; None when the integration has none."""
        try:
            flow = await self.start(handler, entry_id=entry_id)
        except HomeAssistantCommandError:  # no reconfigure step (older HA), unknown entry
            return None
        try:
            return flow.suggested_values() if flow.type == "form" else None
        finally:
            if flow.type == "form":
                await self.abort(flow.flow_id)
