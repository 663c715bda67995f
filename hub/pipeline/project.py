"""Projection: the part of an event's data one recipient may see (data minimisation).

A recipient's route names the fields it may see as dotted paths into the
canonical data: `caseId`, `sentence` (the whole subtree), `suspect.name`,
`victims[].victimId` (that field of every element). `compile_projection` turns
the paths into an immutable tree once, at start-up; `project_for_recipient`
walks the event along that tree on the hot path and builds a new dict of only
what is kept, never touching (or copying) what is left out.

Whatever a route says, the data rule of address protection (adressegradering)
applies: an object whose `addressProtection` is CONFIDENTIAL (fortrolig) or
STRICTLY_CONFIDENTIAL (strengt fortrolig) loses its `address`. ESAS sends no
address for fortrolig, and a strengt fortrolig address never leaves the hub.

`schema_field` and `classified_fields` say what a path means in an event's
schema; the routes loader uses them to refuse, at start-up, a path to nowhere
or one that would show classified data the route does not name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

PROTECTED_ADDRESS = frozenset({"CONFIDENTIAL", "STRICTLY_CONFIDENTIAL"})
ADDRESS_PROTECTION_KEY = "addressProtection"
ADDRESS_KEY = "address"
ARRAY_MARK = "[]"
_SEGMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[\])?")
# Exact types (type(x) in ...), which is faster than isinstance on the hot path.
_SCALARS = frozenset({str, int, float, bool, type(None)})
_ABSENT = object()

Segments = tuple[str, ...]
# The (sub)schemas one field's data must match, each with True when it applies
# only under a condition (if/then/else).
SchemaViews = list[tuple[Mapping[str, Any], bool]]
# x-classification ranks; any value not listed ranks as STRICTLY_CONFIDENTIAL (2).
_RANK: Mapping[str | None, int] = MappingProxyType({None: 0, "INTERNAL": 0, "CONFIDENTIAL": 1})

# A path tree while compiling: each key maps to its subtree, or None for "keep it all".
_Tree = dict[str, "_Tree | None"]


@dataclass(frozen=True, slots=True)
class Projection:
    """A compiled projection: the keys kept at one level of the data.

    `fields` pairs each kept key with the projection of its value, or None to
    keep the value's whole subtree. `guards_address` is set when `address` is
    among the keys, so only those levels look at `addressProtection`.
    `paths` are the dotted paths it was compiled from (at the root only).
    """

    fields: tuple[tuple[str, Projection | None], ...]
    guards_address: bool
    paths: tuple[str, ...] = ()


def path_segments(path: str) -> Segments:
    """The field names of a dotted path, array marks dropped: `a[].b` is ("a", "b").

    Raises ValueError for a malformed path (empty, spaces, a stray bracket).
    """
    segments = path.split(".")
    if not all(_SEGMENT.fullmatch(segment) for segment in segments):
        raise ValueError(f"malformed field path {path!r}: use names like a.b or a[].b")
    return tuple(segment.removesuffix(ARRAY_MARK) for segment in segments)


def compile_projection(paths: Iterable[str]) -> Projection:
    """Compile dotted paths into a Projection; a path inside a kept subtree adds nothing."""
    tree: _Tree = {}
    source = tuple(paths)
    for path in source:
        _insert(tree, path_segments(path))
    return _freeze(tree, source)


def project_for_recipient(data: Mapping[str, Any], projection: Projection) -> dict[str, Any]:
    """A new dict with only the projected fields of `data`, address protection applied.

    Arrays are projected element by element; a path to a field that is absent
    in `data` is simply absent in the result. `data` is not changed, and the
    result shares no dict or list with it.
    """
    return _project_object(data, projection)


def _insert(tree: _Tree, segments: tuple[str, ...]) -> None:
    node = tree
    for segment in segments[:-1]:
        child = node.setdefault(segment, {})
        if child is None:
            return  # already kept whole
        node = child
    node[segments[-1]] = None


def _freeze(tree: _Tree, paths: tuple[str, ...] = ()) -> Projection:
    fields = tuple(
        (key, None if subtree is None else _freeze(subtree)) for key, subtree in tree.items()
    )
    return Projection(fields, ADDRESS_KEY in tree, paths)


def _project_object(data: Mapping[str, Any], projection: Projection) -> dict[str, Any]:
    result: dict[str, Any] = {}
    hide_address = (
        projection.guards_address and data.get(ADDRESS_PROTECTION_KEY) in PROTECTED_ADDRESS
    )
    for key, child in projection.fields:
        value = data.get(key, _ABSENT)
        if value is _ABSENT or (hide_address and key == ADDRESS_KEY):
            continue
        if child is None:
            result[key] = value if type(value) in _SCALARS else _keep(value)
        elif type(value) is dict or isinstance(value, Mapping):
            result[key] = _project_object(value, child)
        elif type(value) is list or isinstance(value, tuple):
            result[key] = _project_array(value, child)
        # A scalar where the path expects an object holds none of the projected fields.
    return result


def _project_array(items: Sequence[Any], projection: Projection) -> list[Any]:
    """Each element projected; elements that are not objects hold no projected field."""
    return [_project_object(item, projection) for item in items if isinstance(item, Mapping)]


def _keep(value: Any) -> Any:
    """A kept subtree: copied (so nothing is shared), protected addresses removed."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict or isinstance(value, Mapping):
        if value.get(ADDRESS_PROTECTION_KEY) in PROTECTED_ADDRESS:
            return {
                key: item if type(item) in _SCALARS else _keep(item)
                for key, item in value.items()
                if key != ADDRESS_KEY
            }
        return {key: item if type(item) in _SCALARS else _keep(item) for key, item in value.items()}
    if kind is list or isinstance(value, tuple):
        return [item if type(item) in _SCALARS else _keep(item) for item in value]
    return value


# What a path means in a (dereferenced) schema. A field's views are its schema and
# every branch that adds to it (allOf, anyOf, oneOf; then and else conditionally),
# so a path is checked against every shape its data can take.


def schema_field(schema: Mapping[str, Any], path: str) -> SchemaViews:
    """The views of the field a path names; ValueError when the schema has no such field."""
    return _walk(schema, path)[0]


def classified_fields(schema: Mapping[str, Any], path: str) -> list[tuple[Segments, bool]]:
    """Every classified field a path shows, above it or within it: (field, strictly).

    `strictly` is True for STRICTLY_CONFIDENTIAL (or an unknown classification),
    False for CONFIDENTIAL. A STRICTLY_CONFIDENTIAL `address` that applies only
    under a condition, beside `addressProtection`, counts as CONFIDENTIAL: the
    address protection rule of `project_for_recipient` removes it from the data.
    """
    views, above = _walk(schema, path)
    return above + _classified_within(views, path_segments(path))


def _walk(schema: Mapping[str, Any], path: str) -> tuple[SchemaViews, list[tuple[Segments, bool]]]:
    path_segments(path)  # ValueError when malformed
    views = _views(schema)
    walked: Segments = ()
    classified: list[tuple[Segments, bool]] = []
    raws = path.split(".")
    for depth, raw in enumerate(raws, start=1):
        name = raw.removesuffix(ARRAY_MARK)
        child, items, rank = _step(views, name)
        walked = (*walked, name)
        if not child:
            raise ValueError(f"{path}: the schema has no field {'.'.join(walked)}")
        if raw.endswith(ARRAY_MARK) and not items:
            raise ValueError(f"{path}: {'.'.join(walked)} is not an array")
        if items and depth < len(raws) and not raw.endswith(ARRAY_MARK):
            raise ValueError(f"{path}: {'.'.join(walked)} is an array: write {name}[]")
        classified += [(walked, rank > 1)] if rank else []
        views = items or child
    return views, classified


def _classified_within(views: SchemaViews, prefix: Segments) -> list[tuple[Segments, bool]]:
    found: list[tuple[Segments, bool]] = []
    for name in dict.fromkeys(name for view, _ in views for name in view.get("properties", {})):
        child, items, rank = _step(views, name)
        found += [((*prefix, name), rank > 1)] if rank else []
        found += _classified_within(child + items, (*prefix, name))
    return found


def _step(views: SchemaViews, name: str) -> tuple[SchemaViews, SchemaViews, int]:
    """Field `name` of an object: its views, its array items' views, its classification rank."""
    child = [
        found
        for view, conditional in views
        for found in _views(view.get("properties", {}).get(name), conditional)
    ]
    items = [found for view, cond in child for found in _views(view.get("items"), cond)]
    guarded = name == ADDRESS_KEY and any(
        ADDRESS_PROTECTION_KEY in view.get("properties", {}) for view, _ in views
    )
    ranks = [
        1 if guarded and conditional and level == "STRICTLY_CONFIDENTIAL" else _RANK.get(level, 2)
        for view, conditional in child + items
        for level in [view.get("x-classification")]
    ]
    return child, items, max(ranks, default=0)


def _views(schema: Any, conditional: bool = False) -> SchemaViews:
    if not isinstance(schema, Mapping):
        return []  # `false` forbids the field here; `true` adds nothing known
    found: SchemaViews = [(schema, conditional)]
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword, ()):
            found += _views(branch, conditional)
    for keyword in ("then", "else"):
        found += _views(schema.get(keyword), True)
    return found
