"""Confluent Schema Registry's JSON Schema diff, its rules reimplemented in Python.

Mirrors confluentinc/schema-registry, `json-schema-provider` (read at commit 794611bd):
`schema/SchemaTranslator.java` and `schema/SchemaUtils.java` (how a Draft 2020-12 schema
becomes a tree of typed schemas) and `diff/SchemaDiff.java` with its helpers
(`ObjectSchemaDiff`, `ArraySchemaDiff`, `StringSchemaDiff`, `NumberSchemaDiff`,
`EnumSchemaDiff`, `ConstSchemaDiff`, `NotSchemaDiff`, `CombinedSchemaDiff`).

The translation gives Confluent its character. Every keyword becomes a node of the kind
it constrains (`maxLength` a string node, `required` an object node); nodes of one kind
merge, nodes of different kinds sit side by side in a generated allOf. So
`{"type": "string", "enum": [...]}` is allOf[string, enum], and `format`, `readOnly`,
`writeOnly`, the schemas under `propertyNames` and `contains`, and everything inside
if/then/else never take part in a comparison.

Where this departs from Confluent, on purpose:
- paths are JSON pointers that resolve in a 2020-12 document: a property that became
  required points at `properties/<name>` (Confluent: `required/<name>`), tuple items at
  `prefixItems/<i>` (`items/<i>`), `items` after prefixItems at `items`
  (`additionalItems`), dependencies at `dependentRequired/<name>` or
  `dependentSchemas/<name>` (`dependencies/<name>`), and the allOf/anyOf Confluent
  generates from one schema object adds no `allOf/<i>` step;
- title, description and $id changes are not reported (Confluent: compatible
  TITLE_CHANGED, DESCRIPTION_CHANGED);
- EXCLUSIVE_MAXIMUM_DECREASED compares with the new exclusiveMaximum, where Confluent's
  code compares with the new `maximum` (a bug that misses the change or fails);
- a difference may carry `because` and `types`, explanations Confluent does not give;
- no `$ref` (inputs are bundled and dereferenced), so no memo or cycle handling.
Schemas are read as Draft 2020-12, which Confluent does when `$schema` says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any, TypeGuard

# Confluent's COMPATIBLE_CHANGES_STRICT, its default policy (LENIENT is opt-in per subject).
COMPATIBLE: frozenset[str] = frozenset(
    """
    ID_CHANGED DESCRIPTION_CHANGED TITLE_CHANGED DEFAULT_CHANGED SCHEMA_REMOVED TYPE_EXTENDED
    MAX_LENGTH_INCREASED MAX_LENGTH_REMOVED MIN_LENGTH_DECREASED MIN_LENGTH_REMOVED
    PATTERN_REMOVED MAXIMUM_INCREASED MAXIMUM_REMOVED MINIMUM_DECREASED MINIMUM_REMOVED
    EXCLUSIVE_MAXIMUM_INCREASED EXCLUSIVE_MAXIMUM_REMOVED EXCLUSIVE_MINIMUM_DECREASED
    EXCLUSIVE_MINIMUM_REMOVED MULTIPLE_OF_REDUCED MULTIPLE_OF_REMOVED
    REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED REQUIRED_ATTRIBUTE_REMOVED DEPENDENCY_ARRAY_NARROWED
    DEPENDENCY_ARRAY_REMOVED DEPENDENCY_SCHEMA_REMOVED MAX_PROPERTIES_INCREASED
    MAX_PROPERTIES_REMOVED MIN_PROPERTIES_DECREASED MIN_PROPERTIES_REMOVED
    ADDITIONAL_PROPERTIES_ADDED ADDITIONAL_PROPERTIES_EXTENDED UNEVALUATED_PROPERTIES_ADDED
    UNEVALUATED_PROPERTIES_EXTENDED PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL
    REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL
    OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL
    PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL
    PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
    PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
    MAX_ITEMS_INCREASED MAX_ITEMS_REMOVED MIN_ITEMS_DECREASED MIN_ITEMS_REMOVED
    MAX_CONTAINS_INCREASED MAX_CONTAINS_REMOVED MIN_CONTAINS_DECREASED MIN_CONTAINS_REMOVED
    UNIQUE_ITEMS_REMOVED ADDITIONAL_ITEMS_ADDED ADDITIONAL_ITEMS_EXTENDED UNEVALUATED_ITEMS_ADDED
    UNEVALUATED_ITEMS_EXTENDED ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL
    ITEM_ADDED_TO_CLOSED_CONTENT_MODEL ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL
    ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
    ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL ENUM_ARRAY_EXTENDED
    COMBINED_TYPE_EXTENDED PRODUCT_TYPE_NARROWED SUM_TYPE_EXTENDED NOT_TYPE_NARROWED
    """.split()  # noqa: SIM905 (a word list, like the Java set it mirrors)
)

Number = int | float


# --- The tree Confluent compares ------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class _Node:
    default: str | None = None  # canonical JSON of a non-null `default`


@dataclass(frozen=True, slots=True, kw_only=True)
class Leaf(_Node):
    kind: str  # true, empty, false, boolean, null or conditional (if/then/else)


@dataclass(frozen=True, slots=True, kw_only=True)
class StringNode(_Node):
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NumberNode(_Node):
    integer: bool = False
    minimum: Number | None = None
    maximum: Number | None = None
    exclusive_minimum: Number | None = None
    exclusive_maximum: Number | None = None
    multiple_of: Number | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectNode(_Node):
    properties: tuple[tuple[str, Node], ...] = ()
    required: frozenset[str] = frozenset()
    closed: bool = False  # additionalProperties: false
    additional: Node | None = None  # additionalProperties: <schema>
    pattern_properties: tuple[tuple[str, Node], ...] = ()
    dependent_required: tuple[tuple[str, frozenset[str]], ...] = ()
    dependent_schemas: tuple[tuple[str, Node], ...] = ()
    min_properties: int | None = None
    max_properties: int | None = None
    unevaluated: Node | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ArrayNode(_Node):
    items: Node | None = None  # `items` without prefixItems
    prefix_items: tuple[Node, ...] = ()
    closed: bool = False  # items: false
    additional: Node | None = None  # `items` after prefixItems
    min_items: int | None = None
    max_items: int | None = None
    unique: bool = False
    min_contains: Number | None = None
    max_contains: Number | None = None
    unevaluated: Node | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EnumNode(_Node):
    values: frozenset[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class ConstNode(_Node):
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CombinedNode(_Node):
    criterion: str  # allOf, anyOf or oneOf
    subschemas: tuple[Node, ...] = ()
    generated: bool = False  # made by the translation, not written in the schema


@dataclass(frozen=True, slots=True, kw_only=True)
class NotNode(_Node):
    negated: Node


Node = (
    Leaf | StringNode | NumberNode | ObjectNode | ArrayNode | EnumNode | ConstNode | CombinedNode
) | NotNode
_MERGEABLE = (StringNode, NumberNode, ObjectNode, ArrayNode)


# --- Translation (SchemaTranslator) ---------------------------------------------------


def translate(schema: object) -> Node:
    """The tree Confluent builds for a bundled Draft 2020-12 schema (no `$ref`)."""
    if isinstance(schema, bool):
        return Leaf(kind="true" if schema else "false")
    if not isinstance(schema, Mapping):
        raise TypeError(f"not a JSON Schema: {schema!r}")
    for reference in ("$ref", "$dynamicRef"):
        if reference in schema:
            raise ValueError(f"{reference} in a schema to compare: bundle the schema first")
    product: Node | None = None
    for keyword, value in schema.items():
        product = _join_optional(product, _keyword_node(keyword, value, schema))
    if schema.get("properties"):
        props = tuple((k, translate(v)) for k, v in schema["properties"].items())
        product = _join_optional(product, ObjectNode(properties=props))
    if schema.get("patternProperties"):
        patterns = tuple((k, translate(v)) for k, v in schema["patternProperties"].items())
        product = _join_optional(product, ObjectNode(pattern_properties=patterns))
    if "unevaluatedItems" in schema:
        unevaluated = translate(schema["unevaluatedItems"])
        product = _join_optional(product, ArrayNode(unevaluated=unevaluated))
    if "unevaluatedProperties" in schema:
        unevaluated = translate(schema["unevaluatedProperties"])
        product = _join_optional(product, ObjectNode(unevaluated=unevaluated))
    if product is None:
        product = Leaf(kind="empty")
    elif _is_generated(product, "allOf") and len(product.subschemas) <= 1:
        product = product.subschemas[0] if product.subschemas else Leaf(kind="empty")
    if schema.get("default") is not None:
        product = replace(product, default=_canonical(schema["default"]))
    return product


# One case per keyword, as Confluent's translator has one visit method per keyword.
def _keyword_node(  # noqa: PLR0911, PLR0912
    keyword: str, value: Any, schema: Mapping[str, Any]
) -> Node | None:
    match keyword:
        case "type":
            if isinstance(value, str):
                return _type_node(value)
            types = tuple(_type_node(name) for name in value)
            return CombinedNode(criterion="anyOf", subschemas=types, generated=True)
        case "enum":
            return EnumNode(values=frozenset(_canonical(v) for v in value))
        case "const":
            return ConstNode(value=_canonical(value))
        case "minLength" | "maxLength" | "pattern":
            return StringNode(**{_snake(keyword): value})
        case "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf":
            return NumberNode(**{_snake(keyword): value})
        case "minProperties" | "maxProperties":
            return ObjectNode(**{_snake(keyword): value})
        case "minItems" | "maxItems":
            return ArrayNode(**{_snake(keyword): value})
        case "uniqueItems":
            return ArrayNode(unique=bool(value))
        case "required":
            return ObjectNode(required=frozenset(value))
        case "dependentRequired":
            pairs = tuple((k, frozenset(v)) for k, v in value.items())
            return ObjectNode(dependent_required=pairs)
        case "dependentSchemas":
            return ObjectNode(dependent_schemas=tuple((k, translate(v)) for k, v in value.items()))
        case "additionalProperties":
            return _open_ended(ObjectNode, translate(value), "additional")
        case "items":
            slot = "additional" if schema.get("prefixItems") else "items"
            return _open_ended(ArrayNode, translate(value), slot)
        case "prefixItems":
            return ArrayNode(prefix_items=tuple(translate(v) for v in value))
        case "propertyNames":
            translate(value)  # not compared by Confluent; still refuse a $ref inside
            return ObjectNode()
        case "contains":
            translate(value)  # only minContains/maxContains are compared
            return ArrayNode(
                min_contains=schema.get("minContains", 1), max_contains=schema.get("maxContains")
            )
        case "if":
            for part in ("if", "then", "else"):
                if part in schema:
                    translate(schema[part])
            return Leaf(kind="conditional")
        case "not":
            return NotNode(negated=translate(value))
        case "allOf" | "anyOf" | "oneOf":
            combined: Node = CombinedNode(criterion=keyword)
            for subschema in value:
                combined = _join(combined, translate(subschema), applicator=keyword)
            return combined
    return None  # format, readOnly, writeOnly, annotations, unknown keywords


def _type_node(name: str) -> Node:
    simple: dict[str, Node] = {
        "string": StringNode(),
        "integer": NumberNode(integer=True),
        "number": NumberNode(),
        "object": ObjectNode(),
        "array": ArrayNode(),
        "boolean": Leaf(kind="boolean"),
        "null": Leaf(kind="null"),
    }
    if name not in simple:
        raise ValueError(f"unknown JSON Schema type {name!r}")
    return simple[name]


def _open_ended(
    cls: type[ObjectNode] | type[ArrayNode], subschema: Node, slot: str
) -> ObjectNode | ArrayNode:
    # `true` leaves the model open, `false` closes it, any other schema (even `{}`) is kept.
    if isinstance(subschema, Leaf) and subschema.kind == "false":
        return cls(closed=True)
    if isinstance(subschema, Leaf) and subschema.kind == "true":
        return cls()
    kept: dict[str, Any] = {slot: subschema}
    return cls(**kept)


def _join_optional(product: Node | None, current: Node | None) -> Node | None:
    if current is None:
        return product
    return current if product is None else _join(product, current)


def _join(product: Node, current: Node, applicator: str | None = None) -> Node:
    """SchemaTranslator.SchemaContext.join: how two keyword nodes of one schema combine."""
    if isinstance(product, _MERGEABLE) and type(product) is type(current):
        return _merge(product, current)
    if _is_generated(product, "anyOf") and _has_kind(product, current):
        merged = _accumulate(product.subschemas, current)
        return CombinedNode(criterion="anyOf", subschemas=merged, generated=True)
    if _is_generated(current, "anyOf") and _has_kind(current, product):
        merged = _accumulate(current.subschemas, product)
        return CombinedNode(criterion="anyOf", subschemas=merged, generated=True)
    if applicator is not None and isinstance(product, CombinedNode):
        # Confluent flattens a member that is itself a generated allOf into the members.
        members = product.subschemas + _flatten(current)
        return CombinedNode(criterion=applicator, subschemas=members)
    members = ()
    for node in _flatten(product) + _flatten(current):
        members = _accumulate(members, node)
    return CombinedNode(criterion="allOf", subschemas=members, generated=True)


def _accumulate(nodes: tuple[Node, ...], current: Node) -> tuple[Node, ...]:
    for i, node in enumerate(nodes):
        if isinstance(node, _MERGEABLE) and type(node) is type(current):
            return (*nodes[:i], _merge(node, current), *nodes[i + 1 :])
    return (*nodes, current)


def _merge(base: Node, extra: Node) -> Node:
    """SchemaUtils.merge: what `extra` sets wins; sets and maps are united."""
    changes: dict[str, Any] = {}
    for field in fields(extra):
        mine, theirs = getattr(base, field.name), getattr(extra, field.name)
        if theirs is None or theirs is False or theirs in ((), frozenset()):
            continue
        if field.name == "prefix_items":
            changes[field.name] = mine + theirs
        elif isinstance(theirs, frozenset):
            changes[field.name] = mine | theirs
        elif isinstance(theirs, tuple):
            changes[field.name] = tuple((dict(mine) | dict(theirs)).items())
        else:
            changes[field.name] = theirs
    return replace(base, **changes)


def _flatten(node: Node) -> tuple[Node, ...]:
    return node.subschemas if _is_generated(node, "allOf") else (node,)


def _is_generated(node: Node, criterion: str) -> TypeGuard[CombinedNode]:
    return isinstance(node, CombinedNode) and node.generated and node.criterion == criterion


def _has_kind(combined: Node, node: Node) -> bool:
    assert isinstance(combined, CombinedNode)
    return any(_same_kind(member, node) for member in combined.subschemas)


def _snake(keyword: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", keyword).lower()


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- The diff (SchemaDiff and its helpers) --------------------------------------------


@dataclass(frozen=True, slots=True)
class Difference:
    """One of Confluent's Difference.Type values, found at a path (segments from the root)."""

    kind: str
    path: tuple[str, ...] = ()
    # Not Confluent's: for COMBINED_TYPE_SUBSCHEMAS_CHANGED and TYPE_CHANGED, the incompatible
    # differences between the parts of one kind on both sides, so a message can say what broke.
    because: tuple[Difference, ...] = ()
    types: tuple[str, str] | None = None  # for TYPE_CHANGED: old and new, e.g. "string|null"

    @property
    def compatible(self) -> bool:
        return self.kind in COMPATIBLE

    def under(self, *segments: str) -> Difference:
        because = tuple(cause.under(*segments) for cause in self.because)
        return replace(self, path=(*segments, *self.path), because=because)


def compare(original: Node | None, update: Node | None) -> list[Difference]:
    """SchemaDiff.compare: every difference from `original` to `update`."""
    if original is None or update is None:
        if original is update:
            return []
        return [Difference("SCHEMA_ADDED" if original is None else "SCHEMA_REMOVED")]
    across = _compare_across_combination(original, update)
    if across is not None:
        return across
    if not _same_kind(original, update):
        if _is_leaf(original, "false") or _is_empty(update):
            return []
        types = (type_label(original), type_label(update))
        return [
            Difference("TYPE_CHANGED", because=_why_type_changed(original, update), types=types)
        ]
    found = [] if original.default == update.default else [Difference("DEFAULT_CHANGED")]
    return found + _compare_same_kind(original, update)


def is_compatible(differences: Sequence[Difference]) -> bool:
    return all(difference.compatible for difference in differences)


def type_label(node: Node) -> str:
    """The JSON types a node stands for, as people write them: "string|null"."""
    if isinstance(node, CombinedNode):
        joiner = "&" if node.criterion == "allOf" else "|"
        labels = (type_label(member) for member in node.subschemas)
        return joiner.join(dict.fromkeys(label for part in labels for label in part.split(joiner)))
    if isinstance(node, NumberNode):
        return "integer" if node.integer else "number"
    if isinstance(node, Leaf):
        return {"true": "any", "empty": "any", "false": "none"}.get(node.kind, node.kind)
    return type(node).__name__.removesuffix("Node").lower()


def _compare_across_combination(original: Node, update: Node) -> list[Difference] | None:
    # A plain schema may become a one-member union or an anyOf/oneOf with a compatible
    # member; an allOf may become one of its members. Otherwise the kinds are compared.
    if not isinstance(original, CombinedNode) and isinstance(update, CombinedNode):
        if len(update.subschemas) == 1:
            found = compare(original, update.subschemas[0])
            if is_compatible(found):
                return found
        elif update.criterion in ("anyOf", "oneOf"):
            for member in update.subschemas:
                found = compare(original, member)
                if is_compatible(found):
                    return [*found, Difference("SUM_TYPE_EXTENDED")]
    elif isinstance(original, CombinedNode) and not isinstance(update, CombinedNode):
        if len(original.subschemas) == 1:
            found = compare(original.subschemas[0], update)
            if is_compatible(found):
                return found
        elif original.criterion == "allOf":
            for member in original.subschemas:
                found = compare(member, update)
                if is_compatible(found):
                    return [*found, Difference("PRODUCT_TYPE_NARROWED")]
    return None


def _why_type_changed(original: Node, update: Node) -> tuple[Difference, ...]:
    # E.g. a closed object that gains if/then/else becomes allOf[object, if/then/else]: a type
    # change to Confluent; what changed in the object part tells people more.
    for member in original.subschemas if isinstance(original, CombinedNode) else ():
        if _same_kind(member, update):
            return tuple(d for d in compare(member, update) if not d.compatible)
    for member in update.subschemas if isinstance(update, CombinedNode) else ():
        if _same_kind(original, member):
            return tuple(d for d in compare(original, member) if not d.compatible)
    return ()


def _compare_same_kind(original: Node, update: Node) -> list[Difference]:  # noqa: PLR0911
    if isinstance(original, StringNode) and isinstance(update, StringNode):
        found = _bound("maxLength", original.max_length, update.max_length)
        found += _bound("minLength", original.min_length, update.min_length)
        return found + _presence("PATTERN", "pattern", original.pattern, update.pattern)
    if isinstance(original, NumberNode) and isinstance(update, NumberNode):
        return _compare_numbers(original, update)
    if isinstance(original, ObjectNode) and isinstance(update, ObjectNode):
        return _compare_objects(original, update)
    if isinstance(original, ArrayNode) and isinstance(update, ArrayNode):
        return _compare_arrays(original, update)
    if isinstance(original, CombinedNode) and isinstance(update, CombinedNode):
        return _compare_combined(original, update)
    if isinstance(original, NotNode) and isinstance(update, NotNode):
        # What may not match grows when the old negated schema still reads the new one.
        narrowed = is_compatible(compare(update.negated, original.negated))
        return [Difference("NOT_TYPE_NARROWED" if narrowed else "NOT_TYPE_EXTENDED", ("not",))]
    if isinstance(original, EnumNode) and isinstance(update, EnumNode):
        if original.values == update.values:
            return []
        return [Difference(f"ENUM_ARRAY_{_set_change(original.values, update.values)}", ("enum",))]
    if isinstance(original, ConstNode) and isinstance(update, ConstNode):
        same = original.value == update.value
        return [] if same else [Difference("ENUM_ARRAY_CHANGED", ("const",))]
    return []  # boolean, null, true, empty, false, if/then/else: nothing more to compare


def _compare_numbers(original: NumberNode, update: NumberNode) -> list[Difference]:
    found = _bound("maximum", original.maximum, update.maximum)
    found += _bound("minimum", original.minimum, update.minimum)
    # Confluent compares a lowered exclusiveMaximum with the new `maximum` (a bug); not here.
    found += _bound("exclusiveMaximum", original.exclusive_maximum, update.exclusive_maximum)
    found += _bound("exclusiveMinimum", original.exclusive_minimum, update.exclusive_minimum)
    old, new = _decimal(original.multiple_of), _decimal(update.multiple_of)
    if old != new:
        if old is None or new is None:
            verb = "ADDED" if old is None else "REMOVED"
        elif old != 0 and new % old == 0:
            verb = "EXPANDED"
        elif new != 0 and old % new == 0:
            verb = "REDUCED"
        else:
            verb = "CHANGED"
        found.append(Difference(f"MULTIPLE_OF_{verb}", ("multipleOf",)))
    if original.integer != update.integer:
        found.append(Difference("TYPE_EXTENDED" if original.integer else "TYPE_NARROWED"))
    return found


def _compare_objects(original: ObjectNode, update: ObjectNode) -> list[Difference]:
    olds, news = dict(original.properties), dict(update.properties)
    found = []
    for name in (name for name in olds if name in news):
        was, now = name in original.required, name in update.required
        if was and not now:
            found.append(Difference("REQUIRED_ATTRIBUTE_REMOVED", ("properties", name)))
        elif now and not was:
            kind = "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED" if news[name].default else ""
            kind = kind or "REQUIRED_ATTRIBUTE_ADDED"
            found.append(Difference(kind, ("properties", name)))
    for name in _union(olds, news):
        if name not in news:
            cover = _covering(update, name)
            changes = _member_removed("PROPERTY", olds[name], update, cover)
        elif name not in olds:
            changes = _property_added(news[name], original, update, name)
        else:
            changes = compare(olds[name], news[name])
        found += _under(("properties", name), changes)
    found += _compare_dependencies(original, update)
    found += _under(("additionalProperties",), _open_end("ADDITIONAL_PROPERTIES", original, update))
    found += _under(
        ("unevaluatedProperties",),
        _unevaluated("UNEVALUATED_PROPERTIES", original.unevaluated, update.unevaluated),
    )
    found += _bound("maxProperties", original.max_properties, update.max_properties)
    return found + _bound("minProperties", original.min_properties, update.min_properties)


def _property_added(
    added: Node, original: ObjectNode, update: ObjectNode, name: str
) -> list[Difference]:
    # Only the original's content model matters: could old data already hold this name?
    required = name in update.required
    if _is_open(original):
        if _is_empty(added):
            return [Difference("PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL")]
        if required and added.default is not None:
            return [Difference("REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL")]
        kind = "REQUIRED" if required else "OPTIONAL"
        return [Difference(f"{kind}_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL")]
    found = []
    cover = _covering(original, name)
    if cover is not None:
        found = _covered("PROPERTY", "ADDED", compare(cover, added))
    if required and added.default is not None:
        kind = "REQUIRED_PROPERTY_WITH_DEFAULT"
    else:
        kind = "REQUIRED_PROPERTY" if required else "OPTIONAL_PROPERTY"
    return [*found, Difference(f"{kind}_ADDED_TO_UNOPEN_CONTENT_MODEL")]


def _member_removed(
    family: str, removed: Node, update: ObjectNode | ArrayNode, cover: Node | None
) -> list[Difference]:
    # Only the update's content model matters: will it still accept the old values?
    if _is_open(update):
        return [Difference(f"{family}_REMOVED_FROM_OPEN_CONTENT_MODEL")]
    if cover is not None:
        return _covered(family, "REMOVED", compare(removed, cover))
    if _is_leaf(removed, "false"):
        return [Difference(f"{family}_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL")]
    return [Difference(f"{family}_REMOVED_FROM_CLOSED_CONTENT_MODEL")]


def _covered(family: str, verb: str, found: list[Difference]) -> list[Difference]:
    covered = "IS" if is_compatible(found) else "NOT"
    kind = f"{family}_{verb}_{covered}_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
    return [*found, Difference(kind)]


def _compare_dependencies(original: ObjectNode, update: ObjectNode) -> list[Difference]:
    found = []
    olds, news = dict(original.dependent_required), dict(update.dependent_required)
    for name in _union(olds, news):
        if name not in news or name not in olds:
            verb = "REMOVED" if name not in news else "ADDED"
        elif olds[name] == news[name]:
            continue
        else:
            verb = _set_change(olds[name], news[name])
        found.append(Difference(f"DEPENDENCY_ARRAY_{verb}", ("dependentRequired", name)))
    old_schemas, new_schemas = dict(original.dependent_schemas), dict(update.dependent_schemas)
    for name in _union(old_schemas, new_schemas):
        at = ("dependentSchemas", name)
        if name not in new_schemas or name not in old_schemas:
            verb = "REMOVED" if name not in new_schemas else "ADDED"
            found.append(Difference(f"DEPENDENCY_SCHEMA_{verb}", at))
        else:
            found += _under(at, compare(old_schemas[name], new_schemas[name]))
    return found


def _compare_arrays(original: ArrayNode, update: ArrayNode) -> list[Difference]:
    found = _under(("items",), compare(original.items, update.items))
    olds, news = original.prefix_items, update.prefix_items
    for i in range(max(len(olds), len(news))):
        if i < len(olds) and i < len(news):
            changes = compare(olds[i], news[i])
        elif i < len(olds):
            changes = _member_removed("ITEM", olds[i], update, _covering(update))
        else:
            changes = _item_added(news[i], original)
        found += _under(("prefixItems", str(i)), changes)
    found += _under(("items",), _open_end("ADDITIONAL_ITEMS", original, update))
    found += _under(
        ("unevaluatedItems",),
        _unevaluated("UNEVALUATED_ITEMS", original.unevaluated, update.unevaluated),
    )
    found += _bound("maxItems", original.max_items, update.max_items)
    found += _bound("minItems", original.min_items, update.min_items)
    if original.unique != update.unique:
        verb = "REMOVED" if original.unique else "ADDED"
        found.append(Difference(f"UNIQUE_ITEMS_{verb}", ("uniqueItems",)))
    found += _bound("maxContains", original.max_contains, update.max_contains)
    return found + _bound("minContains", original.min_contains, update.min_contains)


def _item_added(added: Node, original: ArrayNode) -> list[Difference]:
    if _is_open(original):
        if _is_empty(added):
            return [Difference("ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL")]
        return [Difference("ITEM_ADDED_TO_OPEN_CONTENT_MODEL")]
    cover = _covering(original)
    if cover is not None:
        return _covered("ITEM", "ADDED", compare(cover, added))
    return [Difference("ITEM_ADDED_TO_CLOSED_CONTENT_MODEL")]


def _compare_combined(original: CombinedNode, update: CombinedNode) -> list[Difference]:
    found = []
    if original.criterion != update.criterion:
        single_old, single_new = len(original.subschemas) == 1, len(update.subschemas) == 1
        if (
            update.criterion == "anyOf"
            or (single_old and (single_new or update.criterion == "oneOf"))
            or (single_new and original.criterion == "allOf")
        ):
            found.append(Difference("COMBINED_TYPE_EXTENDED"))
        else:
            return [Difference("COMBINED_TYPE_CHANGED")]
    olds, news = tuple(dict.fromkeys(original.subschemas)), tuple(dict.fromkeys(update.subschemas))
    if len(olds) < len(news):
        found.append(Difference(f"{_product_or_sum(update)}_TYPE_EXTENDED"))
    elif len(olds) > len(news):
        found.append(Difference(f"{_product_or_sum(original)}_TYPE_NARROWED"))

    def step(i: int) -> tuple[str, ...]:
        return () if original.generated else (original.criterion, str(i))

    pairs = {
        (i, j): _under(step(i), compare(old, new))
        for i, old in enumerate(olds)
        for j, new in enumerate(news)
    }
    matching = _maximum_matching(len(olds), [pair for pair, d in pairs.items() if is_compatible(d)])
    for pair in matching:
        found += pairs[pair]
    if len(matching) < min(len(olds), len(news)):
        because = _why_unmatched(olds, news, matching, pairs)
        found.append(Difference("COMBINED_TYPE_SUBSCHEMAS_CHANGED", because=because))
    return found


def _maximum_matching(left: int, edges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A maximum bipartite matching of old members to compatible new ones (augmenting paths)."""
    partner: dict[int, int] = {}  # new member -> old member

    def augment(old: int, seen: set[int]) -> bool:
        for start, new in edges:
            if start == old and new not in seen:
                seen.add(new)
                if new not in partner or augment(partner[new], seen):
                    partner[new] = old
                    return True
        return False

    for old in range(left):
        augment(old, set())
    return sorted((old, new) for new, old in partner.items())


def _why_unmatched(
    olds: tuple[Node, ...],
    news: tuple[Node, ...],
    matching: list[tuple[int, int]],
    pairs: dict[tuple[int, int], list[Difference]],
) -> tuple[Difference, ...]:
    matched_old, matched_new = {i for i, _ in matching}, {j for _, j in matching}
    for i, old in enumerate(olds):
        for j, new in enumerate(news):
            if i not in matched_old and j not in matched_new and _same_kind(old, new):
                return tuple(d for d in pairs[i, j] if not d.compatible)
    return ()


def _open_end(
    family: str, original: ObjectNode | ArrayNode, update: ObjectNode | ArrayNode
) -> list[Difference]:
    if original.closed != update.closed:
        return [Difference(f"{family}_{'REMOVED' if update.closed else 'ADDED'}")]
    if original.additional is None and update.additional is not None:
        return [Difference(f"{family}_NARROWED")]
    if original.additional is not None and update.additional is None:
        return [Difference(f"{family}_EXTENDED")]
    return compare(original.additional, update.additional)


def _unevaluated(family: str, old: Node | None, new: Node | None) -> list[Difference]:
    if old is None and new is None:
        return []
    if old is None or new is None:
        widened = new is None
        closed = _is_leaf(old if widened else new, "false")
    elif _is_leaf(old, "false") != _is_leaf(new, "false"):
        widened, closed = _is_leaf(old, "false"), True
    elif _is_empty(old) != _is_empty(new):
        widened, closed = _is_empty(new), False
    else:
        return compare(old, new)
    if closed:
        return [Difference(f"{family}_{'ADDED' if widened else 'REMOVED'}")]
    return [Difference(f"{family}_{'EXTENDED' if widened else 'NARROWED'}")]


def _is_open(node: ObjectNode | ArrayNode) -> bool:
    if node.closed or node.additional is not None:
        return False
    if isinstance(node, ObjectNode) and node.pattern_properties:
        return False
    return node.unevaluated is None or _is_empty(node.unevaluated)


def _covering(node: ObjectNode | ArrayNode, name: str | None = None) -> Node | None:
    """The schema a partially open content model applies to a member it does not list."""
    if isinstance(node, ObjectNode) and name is not None:
        for pattern, schema in node.pattern_properties:
            if re.search(pattern, name):
                return schema
    if node.additional is not None:
        return node.additional
    uneval = node.unevaluated
    if node.closed or uneval is None or _is_leaf(uneval, "false") or _is_empty(uneval):
        return None
    return uneval


def _bound(keyword: str, old: Number | None, new: Number | None) -> list[Difference]:
    if old == new:
        return []
    if old is None or new is None:
        verb = "ADDED" if old is None else "REMOVED"
    else:
        verb = "INCREASED" if old < new else "DECREASED"
    return [Difference(f"{_snake(keyword).upper()}_{verb}", (keyword,))]


def _presence(family: str, keyword: str, old: object, new: object) -> list[Difference]:
    if old == new:
        return []
    verb = "ADDED" if old is None else "REMOVED" if new is None else "CHANGED"
    return [Difference(f"{family}_{verb}", (keyword,))]


def _set_change(old: frozenset[str], new: frozenset[str]) -> str:
    return "EXTENDED" if new >= old else "NARROWED" if old >= new else "CHANGED"


def _product_or_sum(node: CombinedNode) -> str:
    return "PRODUCT" if node.criterion == "allOf" else "SUM"


def _decimal(value: Number | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _union(first: Mapping[str, object], second: Mapping[str, object]) -> list[str]:
    return [*first, *(name for name in second if name not in first)]


def _under(segments: tuple[str, ...], differences: list[Difference]) -> list[Difference]:
    return [difference.under(*segments) for difference in differences]


def _same_kind(first: Node, second: Node) -> bool:
    if isinstance(first, CombinedNode) and isinstance(second, CombinedNode):
        return True
    if isinstance(first, Leaf) and isinstance(second, Leaf):
        return first.kind == second.kind
    return type(first) is type(second)


def _is_empty(node: Node) -> bool:
    return isinstance(node, Leaf) and node.kind in ("true", "empty")


def _is_leaf(node: Node | None, kind: str) -> bool:
    return isinstance(node, Leaf) and node.kind == kind
