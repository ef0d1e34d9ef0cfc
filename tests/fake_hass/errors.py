"""Errors raised by the fake house, each carrying Home Assistant's websocket error code."""

from __future__ import annotations


class ServerStopping(Exception):
    """Raised inside a delayed answer when the fake stops; the connection is dropped."""


class HouseError(Exception):
    """Root of the fake's errors; `code` is the websocket `error.code` HA would send."""

    code = "home_assistant_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ServiceNotFound(HouseError):
    """The domain has no such service (HA: `not_found`, "Service x.y not found.")."""

    code = "not_found"

    def __init__(self, domain: str, service: str) -> None:
        super().__init__(f"Service {domain}.{service} not found.")
        self.domain = domain
        self.service = service


class EntityNotFound(HouseError):
    """A targeted entity does not exist or belongs to another domain."""

    code = "not_found"

    def __init__(self, entity_id: str) -> None:
        super().__init__(f"Entity {entity_id} not found.")
        self.entity_id = entity_id


class InvalidServiceData(HouseError):
    """Service data failed schema validation (HA: `invalid_format`)."""

    code = "invalid_format"


class ServiceValidationError(HouseError):
    """The entity rejected the call, e.g. a value out of range or an unsupported action."""

    code = "service_validation_error"


class ServiceFailure(HouseError):
    """The integration failed while running the service (HA: `home_assistant_error`)."""

    code = "home_assistant_error"


class NotFoundError(HouseError):
    """A registry item (pipeline, flow, entry, subscription) does not exist."""

    code = "not_found"
