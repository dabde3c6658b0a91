"""A small JSON Schema validator and default-filler for the schemas generated from the TypeScript zod schemas.

Why not the ``jsonschema`` package: the client must run on a bare Python (standard library only), and filling
defaults the way zod's ``parse`` does is not part of JSON Schema at all. This module covers exactly the keywords that
``npm run schema`` writes into ``ncmonitor/schemas/`` (draft-07 as zod 4's ``z.toJSONSchema`` emits it): ``type``
(one or a list; ``["number", "null"]`` for nullable numbers), ``enum``, ``const``, ``minimum``/``maximum``,
``exclusiveMinimum``/``exclusiveMaximum`` (the numeric draft-07 form), ``minLength``/``maxLength``,
``minItems``/``maxItems``, ``items``, ``properties``, ``required``, ``additionalProperties`` (``false`` or a schema),
``propertyNames``, ``anyOf``/``oneOf``/``allOf``, ``$ref`` into ``definitions``/``$defs``, and ``default``.

Zod semantics kept on purpose (so that Python accepts and fills exactly what TypeScript does):
- a union whose branches are objects with a ``const`` on a common property is a *discriminated* union: the branch is
  chosen by that property (or by the branch whose discriminator has a default when it is left out), and the issues
  reported are that branch's; ``oneOf`` is read like zod's union (the first matching branch wins);
- numbers are finite (NaN and ±Infinity are rejected), booleans are not numbers, and an integral float is an integer
  (JSON cannot tell ``3.0`` from ``3``);
- a missing property with a ``default`` gets a copy of it, with the defaults *inside* it filled too, which is what
  zod's ``.prefault({})`` does (``"metrics": {}`` → every metrics default).

``parse_run_config`` adds the run config's cross-field checks (``superRefine`` in src/protocol/runConfig.ts), which
JSON Schema cannot express; see ``_labels_config_issues``.
"""

from __future__ import annotations

import copy
import json
import math
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

SCHEMA_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")

JsonSchema = Mapping[str, Any]

# Issue codes. Zod runs a refinement only when every earlier issue is a "check" issue (a bound, a length, an unknown
# key); a wrong type, value or union aborts it. parse_run_config follows the same rule.
ABORTING_CODES = frozenset({"invalid_type", "invalid_value", "invalid_union", "missing"})


@dataclass(frozen=True)
class SchemaIssue:
    """One problem: ``path`` is the dotted JSON path (``"optimizer.learningRate"``, ``"evaluation.splits.0"``; empty
    for the root) and ``message`` says what is wrong and what to write instead."""

    path: str
    message: str
    code: str = "custom"

    def __str__(self) -> str:
        return f"{self.path or '(root)'}: {self.message}"


@lru_cache(maxsize=None)
def load_schema(name: str) -> Dict[str, Any]:
    """A generated schema by name: ``"ltrun"`` (the run config) or ``"messages"`` (the protocol). Shared: do not
    mutate the returned object."""
    file_name = name if name.endswith(".json") else f"{name}.schema.json"
    path = os.path.join(SCHEMA_FOLDER, file_name)
    try:
        with open(path, encoding="utf-8") as handle:
            schema = json.load(handle)
    except FileNotFoundError:
        available = sorted(entry[: -len(".schema.json")] for entry in os.listdir(SCHEMA_FOLDER) if entry.endswith(".schema.json"))
        raise ValueError(f"no schema named {name!r} in {SCHEMA_FOLDER}: use one of {', '.join(available)} (run `npm run schema` to regenerate them)") from None
    if not isinstance(schema, dict):
        raise ValueError(f"{path} is not a JSON Schema object: run `npm run schema` to regenerate it")
    return schema


# ---------------------------------------------------------------------------------------------------------------------
# Describing values in messages


def _describe_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number" if math.isfinite(value) else f"{value!r} (not a finite number)"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return f"a Python {type(value).__name__}"


def _literal(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


_TYPE_NAMES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "null": "null",
}


def _join_path(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _matches_type(value: Any, expected: str) -> bool:
    if expected == "null":
        return value is None
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "string":
        return isinstance(value, str)
    if expected == "object":
        return isinstance(value, Mapping)
    if expected == "array":
        return isinstance(value, (list, tuple))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    if expected == "number":
        return True
    if expected == "integer":
        return isinstance(value, int) or value.is_integer()
    return True  # an unknown type name constrains nothing


def _type_list(schema: JsonSchema) -> Optional[List[str]]:
    declared = schema.get("type")
    if declared is None:
        return None
    return [declared] if isinstance(declared, str) else list(declared)


# ---------------------------------------------------------------------------------------------------------------------
# References and unions


def _resolve(schema: JsonSchema, root: JsonSchema) -> JsonSchema:
    seen = 0
    while isinstance(schema, Mapping) and "$ref" in schema:
        reference = schema["$ref"]
        if not isinstance(reference, str) or not reference.startswith("#"):
            raise ValueError(f"unsupported $ref {reference!r}: only references inside the same schema (#/...) are read")
        target: Any = root
        for part in [segment for segment in reference[1:].split("/") if segment]:
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, Mapping) or part not in target:
                raise ValueError(f"$ref {reference!r} points at nothing in the schema")
            target = target[part]
        schema = target
        seen += 1
        if seen > 100:
            raise ValueError(f"$ref {reference!r} loops")
    return schema


def _discriminator(branches: Sequence[JsonSchema], root: JsonSchema) -> Optional[str]:
    """The property every branch fixes with ``const``, if there is one (zod's discriminated union)."""
    resolved = [_resolve(branch, root) for branch in branches]
    if not resolved or not all(isinstance(branch.get("properties"), Mapping) for branch in resolved):
        return None
    candidates = set(resolved[0]["properties"])
    for branch in resolved:
        candidates &= {key for key, prop in branch["properties"].items() if isinstance(prop, Mapping) and "const" in _resolve(prop, root)}
    return sorted(candidates)[0] if candidates else None


def _choose_discriminated(branches: Sequence[JsonSchema], key: str, value: Mapping[str, Any], root: JsonSchema) -> Optional[JsonSchema]:
    resolved = [_resolve(branch, root) for branch in branches]
    if key in value:
        for branch in resolved:
            if _same_value(value[key], _resolve(branch["properties"][key], root).get("const")):
                return branch
        return None
    for branch in resolved:
        prop = _resolve(branch["properties"][key], root)
        if "default" in prop and key not in branch.get("required", ()):
            return branch
    return None


def _union_branches(schema: JsonSchema) -> Optional[Tuple[str, Sequence[JsonSchema]]]:
    for keyword in ("oneOf", "anyOf"):
        branches = schema.get(keyword)
        if isinstance(branches, list) and branches:
            return keyword, branches
    return None


# ---------------------------------------------------------------------------------------------------------------------
# Validation


def validate(schema: JsonSchema, value: Any, *, root: Optional[JsonSchema] = None, path: str = "") -> List[SchemaIssue]:
    """Every problem of ``value`` against ``schema``, in the order of the schema's properties (unknown keys last)."""
    issues: List[SchemaIssue] = []
    _check(schema, value, path, root if root is not None else schema, issues)
    return issues


def _check(schema: JsonSchema, value: Any, path: str, root: JsonSchema, issues: List[SchemaIssue]) -> None:
    if schema is True or schema == {}:
        return
    if schema is False:
        issues.append(SchemaIssue(path, "no value is allowed here: remove it", "invalid_type"))
        return
    schema = _resolve(schema, root)

    types = _type_list(schema)
    if types is not None and not any(_matches_type(value, expected) for expected in types):
        wanted = " or ".join(_TYPE_NAMES.get(expected, expected) for expected in types)
        got = _describe_type(value)
        if isinstance(value, float) and "integer" in types and math.isfinite(value):
            message = f"expected an integer, got {_literal(value)}: write a whole number"
        else:
            message = f"expected {wanted}, got {got}" + (f" ({_literal(value)})" if isinstance(value, (str, int, float)) and not isinstance(value, bool) else "")
        issues.append(SchemaIssue(path, message, "invalid_type"))
        return

    if "const" in schema and not _same_value(value, schema["const"]):
        issues.append(SchemaIssue(path, f"must be {_literal(schema['const'])} (got {_literal(value)})", "invalid_value"))
        return
    if "enum" in schema and not any(_same_value(value, option) for option in schema["enum"]):
        options = ", ".join(_literal(option) for option in schema["enum"])
        issues.append(SchemaIssue(path, f"{_literal(value)} is not allowed: use one of {options}", "invalid_value"))
        return

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        _check_number(schema, value, path, issues)
    if isinstance(value, str):
        _check_length(schema, len(value), path, issues, "character")
    if isinstance(value, (list, tuple)):
        _check_array(schema, value, path, root, issues)
    if isinstance(value, Mapping):
        _check_object(schema, value, path, root, issues)

    for branch in schema.get("allOf", ()):
        _check(branch, value, path, root, issues)
    union = _union_branches(schema)
    if union is not None:
        _check_union(union[1], value, path, root, issues)


def _same_value(value: Any, expected: Any) -> bool:
    # JSON equality: true is not 1, 1.0 is 1.
    if isinstance(value, bool) or isinstance(expected, bool):
        return isinstance(value, bool) and isinstance(expected, bool) and value == expected
    return bool(value == expected)


def _number_text(number: float) -> str:
    return str(int(number)) if isinstance(number, float) and number.is_integer() and abs(number) < 1e15 else str(number)


def _check_number(schema: JsonSchema, value: float, path: str, issues: List[SchemaIssue]) -> None:
    got = _number_text(value)
    if "minimum" in schema and value < schema["minimum"]:
        issues.append(SchemaIssue(path, f"must be at least {_number_text(schema['minimum'])} (got {got})", "too_small"))
    if "exclusiveMinimum" in schema and not isinstance(schema["exclusiveMinimum"], bool) and value <= schema["exclusiveMinimum"]:
        issues.append(SchemaIssue(path, f"must be greater than {_number_text(schema['exclusiveMinimum'])} (got {got})", "too_small"))
    if "maximum" in schema and value > schema["maximum"]:
        issues.append(SchemaIssue(path, f"must be at most {_number_text(schema['maximum'])} (got {got})", "too_big"))
    if "exclusiveMaximum" in schema and not isinstance(schema["exclusiveMaximum"], bool) and value >= schema["exclusiveMaximum"]:
        issues.append(SchemaIssue(path, f"must be less than {_number_text(schema['exclusiveMaximum'])} (got {got})", "too_big"))


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _check_length(schema: JsonSchema, length: int, path: str, issues: List[SchemaIssue], noun: str, low: str = "minLength", high: str = "maxLength") -> None:
    if low in schema and length < schema[low]:
        issues.append(SchemaIssue(path, f"must have at least {_plural(schema[low], noun)} (got {length})", "too_small"))
    if high in schema and length > schema[high]:
        issues.append(SchemaIssue(path, f"must have at most {_plural(schema[high], noun)} (got {length})", "too_big"))


def _check_array(schema: JsonSchema, value: Sequence[Any], path: str, root: JsonSchema, issues: List[SchemaIssue]) -> None:
    _check_length(schema, len(value), path, issues, "item", "minItems", "maxItems")
    items = schema.get("items")
    if isinstance(items, list):
        for index, (item_schema, item) in enumerate(zip(items, value)):
            _check(item_schema, item, _join_path(path, index), root, issues)
    elif isinstance(items, Mapping):
        fits = _leaf_predicate(items)
        for index, item in enumerate(value):
            if fits is None or not fits(item):
                _check(items, item, _join_path(path, index), root, issues)


_LEAF_KEYS = frozenset({"type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "description", "title"})
_LEAF_TYPES = frozenset({"number", "integer", "null", "string", "boolean"})


def _leaf_predicate(schema: JsonSchema) -> Optional[Callable[[Any], bool]]:
    """A fast yes-test for array items under a scalar schema (a C × C cosine matrix has 10,000 of them); a "no"
    goes through ``_check``, which also explains it. None when the schema is not that simple."""
    types = _type_list(schema)
    if types is None or not set(schema) <= _LEAF_KEYS or not set(types) <= _LEAF_TYPES:
        return None
    allow_null, allow_string, allow_boolean = "null" in types, "string" in types, "boolean" in types
    allow_real, allow_integer = "number" in types, "integer" in types or "number" in types
    low, high, above, below = (
        bound if isinstance(bound, (int, float)) and not isinstance(bound, bool) else None
        for bound in (schema.get("minimum"), schema.get("maximum"), schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum"))
    )
    bounded = any(bound is not None for bound in (low, high, above, below))

    def fits(item: Any) -> bool:
        kind = type(item)
        if kind is float:
            # x - x is 0 for every finite x, NaN for NaN and ±Infinity.
            if not allow_integer or item - item != 0 or (not allow_real and not item.is_integer()):
                return False
        elif kind is int:
            if not allow_integer:
                return False
        else:
            return (item is None and allow_null) or (kind is str and allow_string) or (kind is bool and allow_boolean)
        if bounded:
            if low is not None and item < low or high is not None and item > high:
                return False
            if above is not None and item <= above or below is not None and item >= below:
                return False
        return True

    return fits


def _check_object(schema: JsonSchema, value: Mapping[str, Any], path: str, root: JsonSchema, issues: List[SchemaIssue]) -> None:
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = schema.get("required", ())
    for key, prop_schema in properties.items():
        if key in value:
            _check(prop_schema, value[key], _join_path(path, key), root, issues)
        elif key in required:
            issues.append(SchemaIssue(_join_path(path, key), f'missing required field "{key}": add it', "missing"))
    extra = [key for key in value if key not in properties]
    names = schema.get("propertyNames")
    if isinstance(names, Mapping):
        for key in extra:
            _check(names, key, _join_path(path, key), root, issues)
    additional = schema.get("additionalProperties", True)
    if additional is False:
        where = f" in {path}" if path else ""
        for key in extra:
            issues.append(SchemaIssue(_join_path(path, key), f'unknown field "{key}"{where}: remove it or check its spelling', "unrecognized_keys"))
    elif isinstance(additional, Mapping):
        for key in extra:
            _check(additional, value[key], _join_path(path, key), root, issues)


def _check_union(branches: Sequence[JsonSchema], value: Any, path: str, root: JsonSchema, issues: List[SchemaIssue]) -> None:
    key = _discriminator(branches, root) if isinstance(value, Mapping) else None
    if key is not None:
        branch = _choose_discriminated(branches, key, value, root)
        if branch is not None:
            _check(branch, value, path, root, issues)
            return
        options = ", ".join(_literal(_resolve(_resolve(b, root)["properties"][key], root)["const"]) for b in branches)
        if key in value:
            message = f"unknown {key} {_literal(value[key])}: use one of {options}"
        else:
            message = f'missing "{key}": set it to one of {options}'
        issues.append(SchemaIssue(_join_path(path, key), message, "invalid_union"))
        return
    attempts = []
    for branch in branches:
        branch_issues: List[SchemaIssue] = []
        _check(branch, value, path, root, branch_issues)
        if not branch_issues:
            return
        attempts.append(branch_issues)
    # Report the branch whose type fits (its issues say what to fix); with none or several, say what types fit.
    fitting = [found for found in attempts if not (len(found) == 1 and found[0].code == "invalid_type" and found[0].path == path)]
    if len(fitting) == 1:
        issues.extend(fitting[0])
        return
    wanted = []
    for branch in branches:
        for expected in _type_list(_resolve(branch, root)) or ["another form"]:
            name = _TYPE_NAMES.get(expected, expected)
            if name not in wanted:
                wanted.append(name)
    issues.append(SchemaIssue(path, f"expected {' or '.join(wanted)}, got {_describe_type(value)}", "invalid_union"))


# ---------------------------------------------------------------------------------------------------------------------
# Defaults


def apply_defaults(schema: JsonSchema, value: Any, *, root: Optional[JsonSchema] = None) -> Any:
    """A copy of ``value`` with every missing property that has a ``default`` filled in, recursively (zod's parse
    output). Objects come back with the schema's properties first, in the schema's order. Values of the wrong type
    are returned unchanged: ``validate`` reports them."""
    return _fill(schema, value, root if root is not None else schema)


def _fill(schema: JsonSchema, value: Any, root: JsonSchema) -> Any:
    if not isinstance(schema, Mapping):
        return copy.deepcopy(value)
    schema = _resolve(schema, root)
    union = _union_branches(schema)
    if union is not None:
        branch = _branch_for_defaults(union[1], value, root)
        if branch is not None:
            value = _fill(branch, value, root)
    for branch in schema.get("allOf", ()):
        value = _fill(branch, value, root)
    if isinstance(value, Mapping) and ("properties" in schema or "additionalProperties" in schema):
        properties: Mapping[str, Any] = schema.get("properties", {})
        filled: Dict[str, Any] = {}
        for key, prop_schema in properties.items():
            if key in value:
                filled[key] = _fill(prop_schema, value[key], root)
            else:
                resolved = _resolve(prop_schema, root)
                if isinstance(resolved, Mapping) and "default" in resolved:
                    filled[key] = _fill(resolved, copy.deepcopy(resolved["default"]), root)
        additional = schema.get("additionalProperties")
        for key, item in value.items():
            if key not in properties:
                filled[key] = _fill(additional, item, root) if isinstance(additional, Mapping) else copy.deepcopy(item)
        return filled
    if isinstance(value, (list, tuple)) and isinstance(schema.get("items"), Mapping):
        return [_fill(schema["items"], item, root) for item in value]
    return copy.deepcopy(value)


def _branch_for_defaults(branches: Sequence[JsonSchema], value: Any, root: JsonSchema) -> Optional[JsonSchema]:
    key = _discriminator(branches, root) if isinstance(value, Mapping) else None
    if key is not None:
        return _choose_discriminated(branches, key, value, root)
    for branch in branches:
        if not validate(branch, _fill(branch, value, root), root=root):
            return branch
    return None


# ---------------------------------------------------------------------------------------------------------------------
# The run config


def parse_run_config(value: Any) -> Tuple[Optional[Dict[str, Any]], List[SchemaIssue]]:
    """A run config (the parsed JSON of a ``*.ltrun.json``) with every default filled, exactly as TypeScript's
    ``parseRunConfig`` returns it; ``(None, issues)`` when it is invalid."""
    schema = load_schema("ltrun")
    filled = apply_defaults(schema, value)
    issues = validate(schema, filled)
    if isinstance(filled, Mapping) and not any(issue.code in ABORTING_CODES for issue in issues):
        issues.extend(_labels_config_issues(filled))
    if issues:
        return None, issues
    return filled, []


# Mirrors labelsConfigIssues in src/protocol/labelsConfig.ts (a zod superRefine: no JSON Schema form). The messages are
# the same text; test/integration/python/protocolSync.test.ts checks both sides on the same configs.
MULTI_LABEL_METHODS = ("cross-entropy",)


def _labels_config_issues(config: Mapping[str, Any]) -> List[SchemaIssue]:
    labels = config.get("labels")
    if not isinstance(labels, Mapping) or labels.get("mode") != "multi-label":
        return []
    issues: List[SchemaIssue] = []
    method_name = (config.get("method") or {}).get("name")
    if method_name not in MULTI_LABEL_METHODS:
        issues.append(
            SchemaIssue(
                "method.name",
                f'method "{method_name}" is single-label only: multi-label mode trains one sigmoid per label with binary cross-entropy. '
                'Remove "method" (or set "name": "cross-entropy", which means binary cross-entropy here), or set labels.mode to "single"',
            )
        )
    if labels.get("source") == "file":
        if "path" not in labels:
            issues.append(SchemaIssue("labels.path", 'labels.source "file" needs "path": the label file (.csv or .json) with one row per training image'))
        splits = (config.get("evaluation") or {}).get("splits") or []
        if "testPath" not in labels and "test" in splits:
            issues.append(
                SchemaIssue(
                    "labels.testPath",
                    'labels.source "file" needs "testPath" (the label file of the test images) when evaluation.splits lists "test"; or evaluate on ["train"] only',
                )
            )
    return issues


def _main(argv: Sequence[str]) -> int:
    """``python -m ncmonitor.schema parse-run-config``: reads a JSON array of configs on stdin and prints, per config,
    ``{"ok": true, "config": ...}`` or ``{"ok": false, "issues": [{"path", "message"}]}`` (one JSON line each)."""
    if list(argv) != ["parse-run-config"]:
        sys.stderr.write("usage: python -m ncmonitor.schema parse-run-config < configs.json   (a JSON array of run configs)\n")
        return 2
    for config in json.load(sys.stdin):
        parsed, issues = parse_run_config(config)
        result: Dict[str, Any] = (
            {"ok": True, "config": parsed} if parsed is not None else {"ok": False, "issues": [{"path": issue.path, "message": issue.message} for issue in issues]}
        )
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
