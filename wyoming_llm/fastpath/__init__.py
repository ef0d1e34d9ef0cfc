"""The fast local path: Home Assistant's own sentence templates, no language model."""

from .matcher import IntentMatch, IntentMatcher
from .path import FastPath, call_for

__all__ = ["FastPath", "IntentMatch", "IntentMatcher", "call_for"]
