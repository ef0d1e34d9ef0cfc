"""Acting on the home safely: what each action means per domain, policy, limits, audit."""

from .audit import AuditLog
from .catalog import ACTION_KINDS, ActionPlan, plan_action
from .executor import ActionExecutor, ActionRequest, ActionResult, ActionStatus
from .policy import ActionPolicy, PolicyDecision
from .ratelimit import RateLimiter

__all__ = [
    "ACTION_KINDS",
    "ActionExecutor",
    "ActionPlan",
    "ActionPolicy",
    "ActionRequest",
    "ActionResult",
    "ActionStatus",
    "AuditLog",
    "PolicyDecision",
    "RateLimiter",
    "plan_action",
]
