"""Schema compatibility, with the meaning Confluent Schema Registry gives it for JSON Schema.

A type's versions keep to its policy. BACKWARD: a consumer on the newer schema reads data
written with the older one. FORWARD: a consumer on the older schema reads newer data. FULL:
both. Plain policies compare each version with the one before it, _TRANSITIVE ones with
every earlier version; NONE checks nothing. As in Confluent, both directions use one diff,
`compare(original, update)`: BACKWARD compares older to newer, FORWARD newer to older.

The content model decides what may happen to properties (Confluent's default, STRICT):

- open (`additionalProperties` absent or true): adding a property breaks BACKWARD, since
  old data may already hold that name with any value; removing one breaks FORWARD;
- closed (`false`): removing a property breaks BACKWARD, adding one breaks FORWARD;
- partially open (a schema): adding or removing a property that schema covers is fine
  both ways, the one road to FULL compatibility for changing fields.

`format` is not compared at all: Confluent's translation of 2020-12 schemas drops it.
The rules themselves live in `_schema_diff_rules`, a reimplementation of Confluent's.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.catalogue._schema_diff_rules import Difference, translate
from hub.catalogue._schema_diff_rules import compare as _compare_trees

BACKWARD = "BACKWARD"
FORWARD = "FORWARD"


class CompatibilityPolicy(enum.StrEnum):
    """Confluent's compatibility levels."""

    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"
    NONE = "NONE"

    @property
    def directions(self) -> tuple[str, ...]:
        """Which readings must keep working: BACKWARD, FORWARD, both or none."""
        if self is CompatibilityPolicy.NONE:
            return ()
        if self.startswith("FULL"):
            return (BACKWARD, FORWARD)
        return (BACKWARD,) if self.startswith(BACKWARD) else (FORWARD,)

    @property
    def transitive(self) -> bool:
        return self.endswith("_TRANSITIVE")


@dataclass(frozen=True, slots=True)
class Change:
    """One difference found between two schema versions, named as Confluent names it."""

    kind: str  # Confluent's Difference.Type, e.g. "REQUIRED_ATTRIBUTE_ADDED"
    path: str  # JSON pointer into the schema, e.g. "#/properties/sentence/properties/days"
    description: str  # people's words: "property sentence.days became required"
    compatible: bool  # compatible for (original -> update) in Confluent's sense
    rule: str = ""  # what a policy that forbids it forbids: "a new required property"


def compare(original: Mapping[str, Any], update: Mapping[str, Any]) -> list[Change]:
    """Every difference between two schemas, Confluent's SchemaDiff.compare(original, update).

    Both must be bundled Draft 2020-12 schemas: a `$ref` raises ValueError. Annotations
    (title, description, examples, $comment, deprecated, x-*) are not differences.
    """
    return [_change(d) for d in _compare_trees(translate(original), translate(update))]


@dataclass(frozen=True, slots=True)
class PolicyViolation:
    """A change between two versions of one type that its policy forbids.

    For FORWARD, Confluent compares newer to older, so `change.kind` and `change.path` are
    what that comparison found; `change.description` and `change.rule` read older to newer.
    """

    older: int  # version numbers as in v<N>.schema.json
    newer: int
    direction: str  # "BACKWARD" or "FORWARD": which reading is broken
    change: Change

    def message(self, type_name: str) -> str:
        """E.g. "judgment.final v3: property x became required; BACKWARD forbids a new ..."."""
        adjacent = self.newer - self.older == 1
        versions = f"v{self.newer}" if adjacent else f"v{self.older}→v{self.newer}"
        forbids = f"{self.direction} forbids {self.change.rule}"
        return f"{type_name} {versions}: {self.change.description}; {forbids}"


def check_policy(
    policy: CompatibilityPolicy, versions: Mapping[int, Mapping[str, Any]]
) -> list[PolicyViolation]:
    """All violations of `policy` over the versions of one type (sorted by version).

    Non-transitive policies compare each version with the one before it; transitive ones
    with every earlier version. Unlike Confluent, which stops at the first broken pair,
    every broken pair and every forbidden change in it is reported.
    """
    numbers = sorted(versions)
    trees = {number: translate(versions[number]) for number in numbers} if policy.directions else {}
    violations = []
    for index, newer in enumerate(numbers):
        earlier = numbers[:index] if policy.transitive else numbers[max(index - 1, 0) : index]
        for older in earlier:
            for direction in policy.directions:
                reading_old = direction == BACKWARD
                original, update = (older, newer) if reading_old else (newer, older)
                for difference in _compare_trees(trees[original], trees[update]):
                    if not difference.compatible:
                        change = _change(difference, reverse=not reading_old)
                        violations.append(PolicyViolation(older, newer, direction, change))
    return violations


def _change(difference: Difference, reverse: bool = False) -> Change:
    """A Change in people's words; `reverse` words it as the change from update to original."""
    explained = difference.because[0] if difference.because else difference
    kind = _reversed_kind(explained.kind) if reverse else explained.kind
    types = explained.types
    if reverse and types:
        types = (types[1], types[0])
    what, rule = _WORDING.get(kind) or _family_wording(kind)
    if types:
        old, new = set(types[0].split("|")), set(types[1].split("|"))
        what = f"{{at}} changed type from {types[0]} to {types[1]}"
        rule = "narrowing a type" if new < old else "widening a type" if new > old else rule
    more = len(difference.because) - 1
    also = f" (and {more} more difference{'s' if more > 1 else ''})" if more > 0 else ""
    return Change(
        kind=difference.kind,
        path=_pointer(difference.path),
        description=what.format(at=_subject(explained.path)) + also,
        compatible=difference.compatible,
        rule=rule,
    )


def _pointer(path: tuple[str, ...]) -> str:
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in path)


def _subject(path: tuple[str, ...]) -> str:
    """Who changed, for people: "property sentence.days", "property charges[]", "the event"."""
    names: list[str] = []
    i = 0
    while i < len(path) - 1:  # the last segment names what changed, not who
        keyword, name = path[i], path[i + 1]
        i += 2
        if keyword in ("properties", "dependentRequired", "dependentSchemas"):
            names.append(name)
        elif keyword == "prefixItems":
            names.append(f"[{name}]")
        elif keyword in ("allOf", "anyOf", "oneOf"):
            names.append(f"{keyword}[{name}]")
        else:  # items, additionalProperties, not, unevaluated*: a schema, not a name
            names.append({"items": "[]", "additionalProperties": "*"}.get(keyword, keyword))
            i -= 1
    dotted = "".join(name if name.startswith("[") else f".{name}" for name in names)
    return f"property {dotted.lstrip('.')}" if names else "the event"


# FORWARD compares newer to older; these say what the change was from older to newer.
_GONE_FROM_OPEN = "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL"
_REVERSED_KIND = {
    "REQUIRED_ATTRIBUTE_ADDED": "REQUIRED_ATTRIBUTE_REMOVED",
    "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED": "REQUIRED_ATTRIBUTE_REMOVED",
    "REQUIRED_ATTRIBUTE_REMOVED": "REQUIRED_ATTRIBUTE_ADDED",
    "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL": _GONE_FROM_OPEN,
    "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL": _GONE_FROM_OPEN,
    "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL": _GONE_FROM_OPEN,
    "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL": _GONE_FROM_OPEN,
    "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL": "REQUIRED_PROPERTY_REMOVED",
    "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL": "REQUIRED_PROPERTY_REMOVED",
    "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL": "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
    _GONE_FROM_OPEN: "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
    "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL": "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
    "ITEM_ADDED_TO_OPEN_CONTENT_MODEL": "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
    "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL": "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
    "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL": "ITEM_ADDED_TO_OPEN_CONTENT_MODEL",
    "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL": "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL",
    "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL": "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
}
_OPPOSITE = {"ADDED": "REMOVED", "INCREASED": "DECREASED", "EXTENDED": "NARROWED"}
_OPPOSITE |= {"EXPANDED": "REDUCED"} | {new: old for old, new in _OPPOSITE.items()}


def _reversed_kind(kind: str) -> str:
    if kind in _REVERSED_KIND:
        return _REVERSED_KIND[kind]
    words = kind.split("_")
    for i, word in enumerate(words):
        if word in _OPPOSITE:
            return "_".join([*words[:i], _OPPOSITE[word], *words[i + 1 :]])
    return kind


# What happened ({at} is who) and, when a policy forbids it, what it forbids.
_WORDING: dict[str, tuple[str, str]] = {
    "TYPE_CHANGED": ("{at} changed type", "changing a type"),
    "TYPE_NARROWED": ("{at} narrowed from number to integer", "narrowing a type"),
    "TYPE_EXTENDED": ("{at} widened from integer to number", "widening a type"),
    "SCHEMA_ADDED": ("{at} gained a schema where anything was allowed", "adding a schema"),
    "SCHEMA_REMOVED": ("{at} lost its schema", "removing a schema"),
    "DEFAULT_CHANGED": ("{at} changed its default", "changing a default"),
    "REQUIRED_ATTRIBUTE_ADDED": ("{at} became required", "a new required property"),
    "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED": (
        "{at} became required, with a default",
        "a new required property",
    ),
    "REQUIRED_ATTRIBUTE_REMOVED": (
        "{at} is no longer required",
        "making a required property optional",
    ),
    "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL": (
        "{at} was added as required",
        "a new required property",
    ),
    "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL": (
        "{at} was added to an open content model",
        "adding a property to an open content model",
    ),
    "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL": (
        "{at} was added to an open content model",
        "adding a property to an open content model",
    ),
    "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL": (
        "{at} was added, allowing any value",
        "adding an unconstrained property",
    ),
    "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL": (
        "{at} was added as required",
        "a new required property",
    ),
    "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL": (
        "{at} was added as required, with a default",
        "a new required property with a default",
    ),
    "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL": (
        "{at} was added to a closed content model",
        "adding a property to a closed content model",
    ),
    "REQUIRED_PROPERTY_REMOVED": ("required {at} was removed", "removing a required property"),
    "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL": (
        "{at} was removed from an open content model",
        "removing a property from an open content model",
    ),
    "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL": (
        "{at} was removed from a closed content model",
        "removing a property from a closed content model",
    ),
    "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL": (
        "{at}, which was forbidden, is no longer listed",
        "unlisting a forbidden property",
    ),
    "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        "{at} was added; the old additionalProperties covers it",
        "adding a property that additionalProperties covers",
    ),
    "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        "{at} was added and the old additionalProperties does not cover it",
        "adding a property that additionalProperties does not cover",
    ),
    "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        "{at} was removed; additionalProperties covers it",
        "removing a property that additionalProperties covers",
    ),
    "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        "{at} was removed and additionalProperties does not cover it",
        "removing a property that additionalProperties does not cover",
    ),
    "ADDITIONAL_PROPERTIES_ADDED": (
        "{at} opened its content model (additionalProperties no longer false)",
        "opening a closed content model",
    ),
    "ADDITIONAL_PROPERTIES_REMOVED": (
        "{at} closed its content model (additionalProperties: false)",
        "closing an open content model",
    ),
    "ITEM_ADDED_TO_OPEN_CONTENT_MODEL": (
        "{at} was added to an open tuple",
        "adding an item to an open tuple",
    ),
    "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL": (
        "{at} was added, allowing any value",
        "adding an unconstrained tuple item",
    ),
    "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL": (
        "{at} was added to a closed tuple",
        "adding an item to a closed tuple",
    ),
    "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL": (
        "{at} was removed from an open tuple",
        "removing an item from an open tuple",
    ),
    "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL": (
        "{at} was removed from a closed tuple",
        "removing an item from a closed tuple",
    ),
    "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL": (
        "{at}, which was forbidden, is no longer listed",
        "unlisting a forbidden tuple item",
    ),
    "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        "{at} was added; the old items schema covers it",
        "adding a tuple item that items covers",
    ),
    "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        "{at} was added and the old items schema does not cover it",
        "adding a tuple item that items does not cover",
    ),
    "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        "{at} was removed; the items schema covers it",
        "removing a tuple item that items covers",
    ),
    "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        "{at} was removed and the items schema does not cover it",
        "removing a tuple item that items does not cover",
    ),
    "ENUM_ARRAY_EXTENDED": ("{at} gained enum values", "adding an enum value"),
    "ENUM_ARRAY_NARROWED": ("{at} lost enum values", "removing an enum value"),
    "ENUM_ARRAY_CHANGED": ("{at} changed its allowed values", "changing enum or const values"),
    "MULTIPLE_OF_EXPANDED": (
        "{at} made multipleOf a multiple of the old one",
        "making multipleOf stricter",
    ),
    "MULTIPLE_OF_REDUCED": (
        "{at} made multipleOf a divisor of the old one",
        "making multipleOf looser",
    ),
    "SUM_TYPE_EXTENDED": ("{at} gained an alternative", "adding an alternative to a union"),
    "SUM_TYPE_NARROWED": ("{at} lost an alternative", "removing an alternative from a union"),
    "PRODUCT_TYPE_EXTENDED": ("{at} gained an allOf member", "adding an allOf member"),
    "PRODUCT_TYPE_NARROWED": ("{at} lost an allOf member", "removing an allOf member"),
    "COMBINED_TYPE_EXTENDED": (
        "{at} combines its subschemas more loosely",
        "loosening allOf/oneOf",
    ),
    "COMBINED_TYPE_NARROWED": (
        "{at} combines its subschemas more strictly",
        "tightening anyOf/oneOf",
    ),
    "COMBINED_TYPE_CHANGED": (
        "{at} switched between allOf, anyOf and oneOf",
        "changing allOf, anyOf or oneOf",
    ),
    "COMBINED_TYPE_SUBSCHEMAS_CHANGED": (
        "{at} changed one of its alternatives",
        "changing an alternative incompatibly",
    ),
    "NOT_TYPE_EXTENDED": ("{at} excludes more values with not", "excluding more with not"),
    "NOT_TYPE_NARROWED": ("{at} excludes fewer values with not", "excluding less with not"),
}

# Keyword families whose kinds are <FAMILY>_<VERB>.
_KEYWORDS = {
    "MAX_LENGTH": "maxLength",
    "MIN_LENGTH": "minLength",
    "PATTERN": "pattern",
    "MAXIMUM": "maximum",
    "MINIMUM": "minimum",
    "EXCLUSIVE_MAXIMUM": "exclusiveMaximum",
    "EXCLUSIVE_MINIMUM": "exclusiveMinimum",
    "MULTIPLE_OF": "multipleOf",
    "MAX_PROPERTIES": "maxProperties",
    "MIN_PROPERTIES": "minProperties",
    "MAX_ITEMS": "maxItems",
    "MIN_ITEMS": "minItems",
    "MAX_CONTAINS": "maxContains",
    "MIN_CONTAINS": "minContains",
    "UNIQUE_ITEMS": "uniqueItems",
    "DEPENDENCY_ARRAY": "dependentRequired",
    "DEPENDENCY_SCHEMA": "dependentSchemas",
    "ADDITIONAL_PROPERTIES": "additionalProperties",
    "ADDITIONAL_ITEMS": "items",
    "UNEVALUATED_PROPERTIES": "unevaluatedProperties",
    "UNEVALUATED_ITEMS": "unevaluatedItems",
}
_VERBS = {
    "ADDED": ("added", "adding"),
    "REMOVED": ("removed", "removing"),
    "INCREASED": ("raised", "raising"),
    "DECREASED": ("lowered", "lowering"),
    "CHANGED": ("changed", "changing"),
    "EXTENDED": ("loosened", "loosening"),
    "NARROWED": ("tightened", "tightening"),
}
_SPECIAL_VERBS = {  # where "added" means "no longer false" and "removed" "now false"
    family: {"ADDED": ("allowed again", "opening"), "REMOVED": ("set to false", "closing")}
    for family in ("ADDITIONAL_ITEMS", "UNEVALUATED_PROPERTIES", "UNEVALUATED_ITEMS")
}


def _family_wording(kind: str) -> tuple[str, str]:
    for family, keyword in _KEYWORDS.items():
        verb = kind.removeprefix(f"{family}_")
        if verb != kind and verb in _VERBS:
            did, doing = _SPECIAL_VERBS.get(family, {}).get(verb) or _VERBS[verb]
            return f"{{at}}: {keyword} {did}", f"{doing} {keyword}"
    words = kind.lower().replace("_", " ")
    return f"{{at}}: {words}", words
