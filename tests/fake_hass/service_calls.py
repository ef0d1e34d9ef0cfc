"""Running one service call on the house: target resolution, `homeassistant.*` fan-out,
response services, injected failures. `House.call_service` records the call and calls this."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import services
from .errors import (
    EntityNotFound,
    HouseError,
    NotFoundError,
    ServiceFailure,
    ServiceValidationError,
)
from .todo import items_response

if TYPE_CHECKING:
    from .house import Context, House

_LOGGER = logging.getLogger(__name__)


@dataclass
class ServiceCall:
    """A recorded service call; `error` holds the error code when the call failed.

    `entity_ids` are the entities the service ran on (those an area or device reached but
    that lack a needed feature are skipped, as in HA).

    `homeassistant.turn_on/off/toggle` is recorded, then each per-domain call it makes.
    `response` is the service's answer when one was asked for.
    """

    domain: str
    service: str
    data: dict[str, Any]
    entity_ids: list[str] = field(default_factory=list)
    return_response: bool = False
    error: str | None = None
    response: dict[str, Any] | None = None


def run_service(
    house: House, call: ServiceCall, target: Mapping[str, Any], context: Context
) -> None:
    """Check and run `call` (already recorded) on its targets; raises `HouseError`."""
    domain, service = call.domain, call.service
    if not services.has_service(house, domain, service):
        raise services.ServiceNotFound(domain, service)
    mode = services.response_mode(house, domain, service)
    if call.return_response and mode is None:
        raise ServiceValidationError(
            "An action which does not return responses can't be called with return_response=True"
        )
    if mode == "only" and not call.return_response:
        raise ServiceValidationError(
            "Service call requires responses but caller did not ask for responses"
        )
    call.entity_ids, named = resolve_targets(house, domain, target)
    if domain == "homeassistant":
        _run_generic(house, call, context)
        return
    steps = services.plan(house, domain, service, call.entity_ids, named)
    call.entity_ids = [entity_id for entity_id, _action in steps]  # skipped ones were not called
    failure = house.failure_of(domain, service)
    if failure is not None:
        raise ServiceFailure(failure)
    for entity_id, action in steps:
        new_state, attrs = action(house.states[entity_id], call.data)
        house.update_state(entity_id, new_state, attrs, context)
    if mode == "only":
        call.response = items_response(house.todo, [e for e, _ in steps], call.data)
    elif call.return_response:
        call.response = {}


def _run_generic(house: House, call: ServiceCall, context: Context) -> None:
    """`homeassistant.turn_on/off/toggle`: `<domain>.<service>` per domain that has it, with
    every entity named (so one lacking a feature fails); other domains are skipped."""
    failure = house.failure_of(call.domain, call.service)
    if failure is not None:
        raise ServiceFailure(failure)
    by_domain: dict[str, list[str]] = {}
    for entity_id in sorted(call.entity_ids):
        by_domain.setdefault(entity_id.split(".", 1)[0], []).append(entity_id)
    errors: list[HouseError] = []
    for domain, entity_ids in by_domain.items():
        if domain == "homeassistant" or not services.has_service(house, domain, call.service):
            _LOGGER.debug("homeassistant.%s does not support %s", call.service, entity_ids)
            continue
        try:
            house.call_service(
                domain, call.service, call.data, {"entity_id": entity_ids}, context=context
            )
        except HouseError as err:  # the other domains still run, as with HA's gather
            errors.append(err)
    if errors:
        raise errors[0]


def resolve_targets(
    house: House, domain: str, target: Mapping[str, Any]
) -> tuple[list[str], frozenset[str]]:
    """Expand entity/area/device targets to entity ids; also return those named by id."""
    explicit: list[str] = []
    named: list[str] = []
    for entity_id in as_list(target.get("entity_id")):
        if entity_id == "all":
            explicit.extend(e for e in house.states if e.split(".", 1)[0] == domain)
        elif entity_id not in house.states:
            raise EntityNotFound(entity_id)
        else:
            explicit.append(entity_id)
            named.append(entity_id)
    expanded: list[str] = []
    for area_id in as_list(target.get("area_id")):
        if area_id not in house.areas:
            raise NotFoundError(f"Area {area_id} not found.")
        expanded.extend(e for e in house.states if house.area_of(e) == area_id)
    for device_id in as_list(target.get("device_id")):
        if device_id not in house.devices:
            raise NotFoundError(f"Device {device_id} not found.")
        expanded.extend(e for e, entry in house.entities.items() if entry.device_id == device_id)
    # Area and device targets silently skip entities of other domains, as in HA.
    if domain != "homeassistant":
        expanded = [e for e in expanded if e.startswith(f"{domain}.")]
    return list(dict.fromkeys(explicit + expanded)), frozenset(named)


def as_list(value: Any) -> list[str]:
    """Accept a string, a comma-separated string or a list of ids."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(item) for item in value]
