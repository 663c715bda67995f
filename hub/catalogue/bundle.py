"""Self-contained schemas: the shared definitions inlined.

Every schema refers to shared shapes absolutely, e.g.
`urn:no:justice:schema:defs:1#/$defs/nationalIdentityNumber`. Tools that
cannot resolve references get two derived forms:

- `bundle`: the published form. The shared definitions a schema uses are
  copied into its own `$defs` and its references rewritten to `#/$defs/...`.
  `hub schemas show --bundled` prints it and the models are generated from it.
- `dereference`: every `$ref` replaced by what it points to, so nothing is
  left to resolve. The compatibility checker compares these.

Annotations (`title`, `description`, `x-pii`, ...) are kept in both.
`subschemas` walks a schema's subschemas with their JSON pointers, for the
rules that read every place of a schema.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

DEFS_ID = "urn:no:justice:schema:defs:1"
_DEFS_REF = f"{DEFS_ID}#/$defs/"
_LOCAL_DEFS_REF = "#/$defs/"
# Keywords whose values are instance data, not subschemas: never rewritten.
_DATA_KEYWORDS = frozenset({"const", "enum", "examples", "default"})
# A `$ref` with these beside it still means only the referenced schema.
_ANNOTATIONS = frozenset(
    {"title", "description", "$comment", "examples", "default", "deprecated", "readOnly"}
)
_SUBSCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs"})
# Where the fields of an event are declared, and every keyword holding subschemas.
DECLARATIONS = ("properties", "patternProperties", "additionalProperties", "items", "prefixItems")
APPLICATORS = (
    *DECLARATIONS,
    "dependentSchemas",
    "$defs",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
)


class UnresolvableReferenceError(LookupError):
    """A `$ref` points outside the schema and the shared definitions."""


def json_pointer(parts: Iterable[str | int]) -> str:
    """The JSON pointer (RFC 6901) of a location given as path segments."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def bundle(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> dict[str, Any]:
    """The schema with every shared definition it uses under its own `$defs`."""
    shared = defs.get("$defs", {})
    result: dict[str, Any] = _rewrite_references(schema)
    own: dict[str, Any] = dict(result.pop("$defs", {}))
    for name in sorted(_shared_names_used(schema, shared)):
        inlined = _rewrite_references(shared[name])
        if own.setdefault(name, inlined) != inlined:
            raise UnresolvableReferenceError(f"$defs/{name} is both local and shared")
    if own:
        result["$defs"] = own
    return result


def dereference(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> dict[str, Any]:
    """The schema with no `$ref` left: each one replaced by its target."""
    bundled = bundle(schema, defs)
    result: dict[str, Any] = _inline(bundled, bundled, ())
    result.pop("$defs", None)
    return result


def references(schema: Any) -> list[str]:
    """Every `$ref` value in a schema, in document order."""
    found: list[str] = []

    def collect(node: dict[str, Any]) -> dict[str, Any]:
        if isinstance(node.get("$ref"), str):
            found.append(node["$ref"])
        return node

    _map_schemas(schema, collect)
    return found


def _map_schemas(node: Any, visit: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """Rebuild `node`, passing every (sub)schema object through `visit` first."""
    if isinstance(node, list):
        return [_map_schemas(item, visit) for item in node]
    if not isinstance(node, Mapping):
        return node
    visited = visit(dict(node))
    return {
        key: value if key in _DATA_KEYWORDS else _map_schemas(value, visit)
        for key, value in visited.items()
    }


def _rewrite_references(schema: Any) -> Any:
    def rewrite(node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_DEFS_REF):
            node["$ref"] = "#/$defs/" + ref.removeprefix(_DEFS_REF)
        return node

    return _map_schemas(schema, rewrite)


def _shared_names_used(schema: Mapping[str, Any], shared: Mapping[str, Any]) -> set[str]:
    """Names of shared definitions `schema` needs, directly or through others."""
    needed: set[str] = set()
    pending = [(ref, True) for ref in references(schema)]
    while pending:
        ref, from_schema = pending.pop()
        if ref.startswith(_DEFS_REF):
            pointer = ref.removeprefix(_DEFS_REF)
        elif ref.startswith(_LOCAL_DEFS_REF) and not from_schema:
            pointer = ref.removeprefix(_LOCAL_DEFS_REF)
        elif ref.startswith("#"):
            continue
        else:
            raise UnresolvableReferenceError(f"cannot resolve $ref {ref!r}")
        name = pointer.split("/", 1)[0]
        if name not in shared:
            raise UnresolvableReferenceError(f"$ref {ref!r}: no shared definition {name!r}")
        if name not in needed:
            needed.add(name)
            pending.extend((inner, False) for inner in references(shared[name]))
    return needed


def _inline(node: Any, document: Mapping[str, Any], trail: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline(item, document, trail) for item in node]
    if not isinstance(node, Mapping):
        return node
    result = {
        key: value if key in _DATA_KEYWORDS else _inline(value, document, trail)
        for key, value in node.items()
        if key != "$ref"
    }
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return result
    if ref in trail:
        raise UnresolvableReferenceError(f"recursive $ref {ref!r} cannot be dereferenced")
    target = _inline(_resolve_local(document, ref), document, (*trail, ref))
    return _merge(target, result)


def _resolve_local(document: Mapping[str, Any], ref: str) -> Any:
    if not ref.startswith("#"):
        raise UnresolvableReferenceError(f"cannot resolve $ref {ref!r}")
    node: Any = document
    for token in filter(None, ref[1:].split("/")):
        key = token.replace("~1", "/").replace("~0", "~")
        try:
            node = node[int(key)] if isinstance(node, list) else node[key]
        except (KeyError, IndexError, ValueError, TypeError):
            raise UnresolvableReferenceError(f"$ref {ref!r} points nowhere") from None
    return copy.deepcopy(node)


def _merge(target: Any, siblings: dict[str, Any]) -> Any:
    """`$ref` plus sibling keywords: one schema when they do not clash, else allOf."""
    if not siblings:
        return target
    if not isinstance(target, dict):
        return {"allOf": [target, siblings]}
    clashing = {
        key
        for key in siblings.keys() & target.keys()
        if siblings[key] != target[key] and not _is_annotation(key)
    }
    if clashing:
        return {"allOf": [target, siblings]}
    return {**target, **siblings}


def _is_annotation(keyword: str) -> bool:
    return keyword in _ANNOTATIONS or keyword.startswith("x-")


def subschemas(
    schema: Any, pointer: str, keywords: tuple[str, ...] = APPLICATORS
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every subschema object reached through `keywords`, with its JSON pointer."""
    if not isinstance(schema, Mapping):
        return
    yield pointer, schema
    for keyword in keywords:
        child = schema.get(keyword)
        if keyword in _SUBSCHEMA_MAPS and isinstance(child, Mapping):
            for name, value in child.items():
                yield from subschemas(value, f"{pointer}/{keyword}{json_pointer([name])}", keywords)
        elif isinstance(child, list):
            for index, value in enumerate(child):
                yield from subschemas(value, f"{pointer}/{keyword}/{index}", keywords)
        else:
            yield from subschemas(child, f"{pointer}/{keyword}", keywords)
