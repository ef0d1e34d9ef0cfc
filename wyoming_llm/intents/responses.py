"""A small renderer for HA's response templates: `{{ slots.x }}`-style substitutions only.

Templates with Jinja statements (`{% ... %}`) are not rendered (None): the caller then uses
its own sentence. Enough for most of HA's success and error sentences, without Jinja.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_EXPRESSION = re.compile(r"\{\{\s*(.+?)\s*\}\}")
_REPLACE = re.compile(r"""\.replace\(\s*(['"])(.*?)\1\s*,\s*(['"])(.*?)\3\s*\)$""")
_FILTERS = {
    "capitalize": lambda text: text[:1].upper() + text[1:].lower(),
    "lower": str.lower,
    "upper": str.upper,
    "trim": str.strip,
    "title": str.title,
}


class _Unrenderable(Exception):
    pass


def render_response(template: str | None, variables: Mapping[str, Any]) -> str | None:
    """Render `template` with dotted lookups into variables; None when it can't be done."""
    if template is None or "{%" in template:
        return None
    try:
        text = _EXPRESSION.sub(lambda match: _evaluate(match.group(1), variables), template)
    except _Unrenderable:
        return None
    return " ".join(text.split())


def _evaluate(expression: str, variables: Mapping[str, Any]) -> str:
    path, *filters = (part.strip() for part in expression.split("|"))
    replace = _REPLACE.search(path)
    if replace:
        path = path[: replace.start()]
    value: Any = variables
    for key in path.split("."):
        if not key.isidentifier() or not isinstance(value, Mapping) or key not in value:
            raise _Unrenderable(expression)
        value = value[key]
    if value is None:
        raise _Unrenderable(expression)
    text = _format(value)
    if replace:
        text = text.replace(replace.group(2), replace.group(4))
    for name in filters:
        if name not in _FILTERS:
            raise _Unrenderable(expression)
        text = _FILTERS[name](text)
    return text


def _format(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
