"""Shared core of the wyoming-voice services: runner, handler, worker, config, discovery."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("wyoming-voice")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

ATTRIBUTION_NAME = "wyoming-voice"
ATTRIBUTION_URL = "https://github.com/wyoming-voice/wyoming-voice"
