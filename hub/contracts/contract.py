"""Consumers' contracts as the hub loads them from `contracts/` (see contracts/README.md).

`contracts/<consumer>/contract.yaml` says, per event type the consumer
receives, which major versions its handlers accept and which fields (JSON
pointers) they read; `contracts/<consumer>/examples/<type>/v<N>/*.json` are
messages as the consumer receives them. `load_contracts` checks every file
against `contract.schema.json` (beside this module) and stops with a
`ContractError` naming the file and line, as the routes loader does.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from jsonschema import Draft202012Validator  # type: ignore[import-untyped,unused-ignore]

from hub.contracts.paths import PointerError, pointer_segments

CONTRACT_FILE = "contract.yaml"
EXAMPLES_FOLDER = "examples"
SCHEMA_PATH = Path(__file__).with_name("contract.schema.json")
_VERSION_FOLDER = re.compile(r"v([1-9][0-9]*)")


class ContractError(Exception):
    """A contract file is wrong; the message names the file and line."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}" if line else f"{path}: {problem}")
        self.path, self.line, self.problem = path, line, problem


@dataclass(frozen=True)
class Read:
    """One field a consumer's handler reads."""

    pointer: str
    if_present: bool  # read only when the data has it
    line: int


@dataclass(frozen=True)
class ContractExample:
    """A message as the consumer receives it (the hub's projection for it)."""

    path: Path
    version: int
    data: Mapping[str, Any]

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Expectation:
    """What a consumer relies on in one event type."""

    type_name: str
    versions: tuple[int, ...]
    reads: tuple[Read, ...]
    examples: tuple[ContractExample, ...]
    line: int

    @property
    def always_read(self) -> tuple[Read, ...]:
        return tuple(read for read in self.reads if not read.if_present)


@dataclass(frozen=True)
class Contract:
    consumer: str
    path: Path
    receives: Mapping[str, Expectation]


def default_contracts_dir() -> Path:
    """`HUB_CONTRACTS_DIR`, else the repository's `contracts/`, else the installed copy."""
    configured = os.environ.get("HUB_CONTRACTS_DIR")
    if configured:
        return Path(configured)
    package = Path(__file__).resolve().parent.parent
    beside = package.parent / "contracts"
    return beside if beside.is_dir() else package / "_data" / "contracts"


def load_contracts(root: Path) -> dict[str, Contract]:
    """Every consumer's contract under `root`, by consumer; ContractError on any mistake."""
    root = Path(root)
    if not root.is_dir():
        raise ContractError(root, None, "is not a contracts folder")
    contracts = {}
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and not folder.name.startswith((".", "_")):
            contract = load_contract(folder)
            contracts[contract.consumer] = contract
    return contracts


def load_contract(folder: Path) -> Contract:
    """One consumer's contract: `folder/contract.yaml` and its examples."""
    path = folder / CONTRACT_FILE
    node = _compose(path)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        where = "/".join(str(part) for part in error.absolute_path) or "the file"
        at = list(error.absolute_path)
        if error.validator == "additionalProperties":  # point at the first unexpected key
            at += sorted(set(error.instance) - set(error.schema.get("properties", {})))[:1]
        raise ContractError(path, _line(node, at), f"{where}: {error.message}")
    if document["consumer"] != folder.name:
        problem = f"consumer {document['consumer']!r} differs from its folder {folder.name!r}"
        raise ContractError(path, _line(node, ["consumer"]), problem)
    examples = _examples(folder / EXAMPLES_FOLDER)
    receives = {}
    for type_name, entry in document["receives"].items():
        versions = tuple(entry["versions"])
        reads = tuple(
            _read(path, node, type_name, index, item) for index, item in enumerate(entry["reads"])
        )
        for example in examples.get(type_name, ()):
            if example.version not in versions:
                problem = (
                    f"example for v{example.version}, but {type_name} accepts {list(versions)}"
                )
                raise ContractError(example.path, None, problem)
        line = _line(node, ["receives", type_name]) or 1
        receives[type_name] = Expectation(
            type_name, versions, reads, tuple(examples.get(type_name, ())), line
        )
    for type_name, found in examples.items():
        if type_name not in receives:
            raise ContractError(
                found[0].path,
                None,
                f"an example of {type_name}, which the contract does not receive",
            )
    return Contract(document["consumer"], path, MappingProxyType(receives))


def _read(path: Path, node: yaml.Node, type_name: str, index: int, item: Any) -> Read:
    at = ["receives", type_name, "reads", index]
    pointer, if_present = (
        (item, False) if isinstance(item, str) else (item["path"], item.get("if_present", False))
    )
    try:
        pointer_segments(pointer)
    except PointerError as error:
        raise ContractError(path, _line(node, at), str(error)) from None
    return Read(pointer, bool(if_present), _line(node, at) or 1)


def _examples(folder: Path) -> dict[str, list[ContractExample]]:
    """examples/<type>/v<N>/*.json by type; ContractError for a misplaced or broken file."""
    found: dict[str, list[ContractExample]] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*.json")):
        parts = path.relative_to(folder).parts
        match = _VERSION_FOLDER.fullmatch(parts[1]) if len(parts) == 3 else None
        if match is None:
            raise ContractError(path, None, "examples go in examples/<type>/v<N>/<name>.json")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ContractError(path, error.lineno, f"invalid JSON: {error.msg}") from None
        if not isinstance(data, dict):
            raise ContractError(path, 1, "an example message must be a JSON object")
        found.setdefault(parts[0], []).append(ContractExample(path, int(match[1]), data))
    return found


def _compose(path: Path) -> yaml.Node:
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except OSError as error:
        raise ContractError(path, None, f"cannot be read: {error}") from error
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        raise ContractError(path, line, f"not valid YAML: {error.problem}") from None
    if node is None:
        raise ContractError(path, 1, "is empty")
    _refuse_duplicate_keys(path, node)
    return node


def _refuse_duplicate_keys(path: Path, node: yaml.Node) -> None:
    """YAML keeps the last of two equal keys silently; a contract must say it once."""
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            if key.value in seen:
                line = key.start_mark.line + 1
                raise ContractError(path, line, f"{key.value!r} appears twice")
            seen.add(key.value)
            _refuse_duplicate_keys(path, value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_duplicate_keys(path, item)


def _line(node: yaml.Node, at: Any) -> int | None:
    """The line of the YAML node at a JSON path (keys and indexes), or its nearest parent."""
    for part in at:
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            child = node.value[part]
        else:
            child = None
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def received_examples(
    consumer: str, type_name: str, contracts_dir: Path | None = None
) -> list[Mapping[str, Any]]:
    """The example messages of `type_name` in `consumer`'s contract: what it receives.

    A connector team builds its samples from these (a court judges the cases
    it would receive), so samples start from data the hub really delivers.
    """
    contract = load_contract((contracts_dir or default_contracts_dir()) / consumer)
    expectation = contract.receives.get(type_name)
    return [example.data for example in expectation.examples] if expectation else []
