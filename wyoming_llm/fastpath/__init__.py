"""The fast local path: Home Assistant's own sentence templates, no language model."""

from .intents import FastPath, FastPathAnswer
from .matcher import IntentMatch, IntentMatcher

__all__ = ["FastPath", "FastPathAnswer", "IntentMatch", "IntentMatcher"]
