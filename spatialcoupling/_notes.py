"""Notes: what a step filled, clipped, aliased, linked or excluded, in one place.

Results carry their notes in ``.notes``. Objects the package hands out in other libraries'
types carry them where those types allow: a libpysal ``W`` in the attribute
``spatialcoupling_notes``, a (Geo)DataFrame in ``attrs["spatialcoupling_notes"]``. Code that
reads notes goes through :func:`notes_of`, code that attaches them through :func:`attach_notes`,
so there is one convention whatever the carrier.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["NOTES_ATTR", "attach_notes", "notes_of", "unique_notes"]

#: attribute (libpysal W) or ``attrs`` key (DataFrame, GeoDataFrame) that holds notes
NOTES_ATTR = "spatialcoupling_notes"


def notes_of(obj: Any) -> list[str]:
    """The notes an object carries (a copy); an empty list when it carries none."""
    attrs = getattr(obj, "attrs", None)
    if isinstance(attrs, dict) and NOTES_ATTR in attrs:
        return list(attrs[NOTES_ATTR])
    if hasattr(obj, NOTES_ATTR):
        return list(getattr(obj, NOTES_ATTR))
    notes = getattr(obj, "notes", None)
    if isinstance(notes, list | tuple):
        return list(notes)
    return []


def attach_notes(obj: Any, notes: Iterable[str]) -> Any:
    """Attach ``notes`` to a DataFrame/GeoDataFrame (``attrs``) or another object (attribute);
    returns ``obj``."""
    notes = list(notes)
    attrs = getattr(obj, "attrs", None)
    if isinstance(attrs, dict):
        attrs[NOTES_ATTR] = notes
    else:
        setattr(obj, NOTES_ATTR, notes)
    return obj


def unique_notes(notes: Iterable[str]) -> list[str]:
    """The notes without repeats, in their first order."""
    return list(dict.fromkeys(notes))
