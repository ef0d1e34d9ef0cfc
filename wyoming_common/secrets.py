"""The one way a secret (token, API key) is read: from a file named by a flag, else from an
environment variable or the file named by VARIABLE_FILE (systemd credentials)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .errors import ConfigError


def read_secret_file(path: Path | str, flag: str) -> str:
    """The stripped contents of a secret file; ConfigError naming flag when unreadable/empty."""
    path = Path(path).expanduser()
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as err:
        raise ConfigError(flag, f"cannot read {path}: {err.strerror or err}") from err
    except UnicodeDecodeError as err:
        raise ConfigError(flag, f"{path} is not a text file") from err
    if not value:
        raise ConfigError(flag, f"{path} is empty")
    return value


def read_secret(
    path: Path | str | None,
    *,
    flag: str,
    env: str | None = None,
    environ: Mapping[str, str] | None = None,
    required: bool = False,
) -> str | None:
    """A secret from the file given with flag, else from $env or the file named by $env_FILE.

    Blank values count as absent. required=True turns absence into a ConfigError naming flag.
    The value is never logged and never goes into argv (pass files, not values).
    """
    if path is not None and str(path) != "":
        return read_secret_file(path, flag)
    environ = os.environ if environ is None else environ
    if env is not None:
        value = (environ.get(env) or "").strip()
        if value:
            return value
        file_name = environ.get(f"{env}_FILE")
        if file_name:
            try:
                return read_secret_file(file_name, f"{env}_FILE")
            except ConfigError:
                if required:
                    raise
                return None  # a credential systemd hands over blank while it is not set up
    if required:
        raise ConfigError(flag, "is needed (a file holding the secret)")
    return None
