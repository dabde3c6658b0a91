"""ncmonitor.schema: the JSON Schema validator and default-filler, on small schemas with known answers and on the
generated run-config schema. (Equality with TypeScript's parseRunConfig on the same configs is checked from Node, in
test/integration/python/protocolSync.test.ts.)"""

from __future__ import annotations

import copy
import math
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ncmonitor.schema import SchemaIssue, apply_defaults, load_schema, parse_run_config, validate  # noqa: E402


def paths(issues):
    return [issue.path for issue in issues]


class TypeTests(unittest.TestCase):
    def test_numbers_are_finite_and_booleans_are_not_numbers(self) -> None:
        number = {"type": "number"}
        self.assertEqual(validate(number, 1.5), [])
        self.assertEqual(validate(number, 3), [])
        for bad in (True, float("nan"), float("inf"), -float("inf"), "1", None):
            self.assertEqual(len(validate(number, bad)), 1, bad)

    def test_an_integral_float_is_an_integer(self) -> None:
        integer = {"type": "integer"}
        self.assertEqual(validate(integer, 3.0), [])
        [issue] = validate(integer, 3.5)
        self.assertIn("whole number", issue.message)
        self.assertEqual(len(validate(integer, False)), 1)

    def test_type_lists_express_nullable_numbers(self) -> None:
        nullable = {"type": ["number", "null"]}
        self.assertEqual(validate(nullable, None), [])
        self.assertEqual(validate(nullable, 0.25), [])
        [issue] = validate(nullable, "x")
        self.assertEqual(issue.message, 'expected a number or null, got a string ("x")')

    def test_array_items_are_checked_one_by_one_with_their_index(self) -> None:
        class Float64(float):
            """Like numpy.float64: a float subclass."""

        counts = {"type": "array", "items": {"type": "integer", "minimum": 0}}
        issues = validate(counts, [0, -1, 2.0, 2.5, True, None, Float64(3), float("nan")])
        self.assertEqual(paths(issues), ["1", "3", "4", "5", "7"])
        cosines = {"type": "array", "items": {"type": ["number", "null"], "minimum": -1, "maximum": 1}}
        self.assertEqual(validate(cosines, [None, -1, 1, 0.5, Float64(0.25)]), [])
        self.assertEqual(paths(validate(cosines, [1.5, float("inf"), "0.1"])), ["0", "1", "2"])

    def test_const_and_enum_compare_as_json(self) -> None:
        self.assertEqual(validate({"const": 1}, 1.0), [])
        self.assertEqual(len(validate({"const": 1}, True)), 1)
        [issue] = validate({"enum": ["sgd", "adam"]}, "adamw")
        self.assertEqual(issue.message, '"adamw" is not allowed: use one of "sgd", "adam"')


class BoundsTests(unittest.TestCase):
    def test_inclusive_and_exclusive_bounds(self) -> None:
        schema = {"type": "number", "minimum": 0, "exclusiveMaximum": 1}
        self.assertEqual(validate(schema, 0), [])
        self.assertEqual(validate(schema, 0.999), [])
        self.assertEqual([issue.message for issue in validate(schema, 1)], ["must be less than 1 (got 1)"])
        self.assertEqual([issue.message for issue in validate(schema, -0.5)], ["must be at least 0 (got -0.5)"])
        positive = {"type": "number", "exclusiveMinimum": 0, "maximum": 10}
        self.assertEqual([issue.message for issue in validate(positive, 0)], ["must be greater than 0 (got 0)"])
        self.assertEqual([issue.message for issue in validate(positive, 11)], ["must be at most 10 (got 11)"])

    def test_string_and_array_lengths(self) -> None:
        self.assertEqual([issue.message for issue in validate({"type": "string", "minLength": 1}, "")], ["must have at least 1 character (got 0)"])
        self.assertEqual([issue.message for issue in validate({"type": "string", "maxLength": 2}, "abc")], ["must have at most 2 characters (got 3)"])
        self.assertEqual([issue.message for issue in validate({"type": "array", "minItems": 1}, [])], ["must have at least 1 item (got 0)"])


class StructureTests(unittest.TestCase):
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "sizes": {"type": "array", "items": {"type": "integer", "minimum": 1}},
            "inner": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"], "additionalProperties": False},
        },
        "required": ["name"],
        "additionalProperties": False,
    }

    def test_paths_name_the_offending_field(self) -> None:
        issues = validate(self.schema, {"sizes": [1, 0, 2.5], "inner": {"y": 1}, "extra": True})
        self.assertEqual(paths(issues), ["name", "sizes.1", "sizes.2", "inner.x", "inner.y", "extra"])
        by_path = {issue.path: issue.message for issue in issues}
        self.assertEqual(by_path["name"], 'missing required field "name": add it')
        self.assertEqual(by_path["inner.y"], 'unknown field "y" in inner: remove it or check its spelling')
        self.assertEqual(by_path["extra"], 'unknown field "extra": remove it or check its spelling')
        self.assertEqual(str(issues[1]), "sizes.1: must be at least 1 (got 0)")
        self.assertEqual(str(SchemaIssue("", "broken")), "(root): broken")

    def test_open_objects_check_extra_keys_with_their_schema(self) -> None:
        record = {"type": "object", "propertyNames": {"type": "string"}, "additionalProperties": {"type": "number"}}
        self.assertEqual(validate(record, {"a": 1, "b": 2.5}), [])
        self.assertEqual(paths(validate(record, {"a": "x"})), ["a"])
        self.assertEqual(validate({"type": "object", "properties": {"a": {"type": "number"}}}, {"a": 1, "z": "anything"}), [])

    def test_references_resolve_into_definitions_and_defs(self) -> None:
        schema = {
            "definitions": {"count": {"type": "integer", "minimum": 0}},
            "$defs": {"pair": {"type": "array", "items": {"$ref": "#/definitions/count"}, "maxItems": 2}},
            "type": "object",
            "properties": {"pair": {"$ref": "#/$defs/pair"}},
        }
        self.assertEqual(validate(schema, {"pair": [0, 3]}), [])
        self.assertEqual(paths(validate(schema, {"pair": [0, -1, 2]})), ["pair", "pair.1"])
        with self.assertRaisesRegex(ValueError, "points at nothing"):
            validate({"$ref": "#/definitions/missing"}, 1)

    def test_a_plain_union_reports_the_branch_whose_type_fits(self) -> None:
        matrix_or_null = {"anyOf": [{"type": "array", "items": {"type": "array", "items": {"type": "number"}}}, {"type": "null"}]}
        self.assertEqual(validate(matrix_or_null, None), [])
        self.assertEqual(validate(matrix_or_null, [[1, 2]]), [])
        self.assertEqual(paths(validate(matrix_or_null, [[1, "x"]])), ["0.1"])
        [issue] = validate(matrix_or_null, "x")
        self.assertEqual(issue.message, "expected an array or null, got a string")


class DiscriminatedUnionTests(unittest.TestCase):
    # The shape zod gives `method`: branches keyed by a const `name`, one of which may leave it out (default).
    schema = {
        "default": {},
        "oneOf": [
            {"type": "object", "properties": {"name": {"type": "string", "const": "plain", "default": "plain"}}, "additionalProperties": False},
            {
                "type": "object",
                "properties": {"name": {"type": "string", "const": "focal"}, "gamma": {"type": "number", "minimum": 0, "default": 2}},
                "required": ["name"],
                "additionalProperties": False,
            },
        ],
    }

    def test_the_branch_is_chosen_by_the_discriminator(self) -> None:
        self.assertEqual(validate(self.schema, {"name": "focal", "gamma": 1}), [])
        # Issues are the chosen branch's, not a list of every branch's complaints.
        self.assertEqual([str(issue) for issue in validate(self.schema, {"name": "focal", "gamma": -1})], ["gamma: must be at least 0 (got -1)"])
        self.assertEqual(paths(validate(self.schema, {"gamma": 1})), ["gamma"])  # no name: the defaulted branch, which has no gamma
        [unknown] = validate(self.schema, {"name": "nope"})
        self.assertEqual((unknown.path, unknown.message), ("name", 'unknown name "nope": use one of "plain", "focal"'))

    def test_defaults_follow_the_chosen_branch(self) -> None:
        self.assertEqual(apply_defaults(self.schema, {}), {"name": "plain"})
        self.assertEqual(apply_defaults(self.schema, {"name": "focal"}), {"name": "focal", "gamma": 2})
        self.assertEqual(apply_defaults(self.schema, {"name": "nope"}), {"name": "nope"})


class DefaultTests(unittest.TestCase):
    schema = {
        "type": "object",
        "properties": {
            "epochs": {"type": "integer", "default": 20},
            "optimizer": {
                "type": "object",
                "default": {},
                "properties": {"name": {"enum": ["sgd", "adam"], "default": "adam"}, "learningRate": {"type": "number", "default": 0.001}},
            },
            "dataset": {"type": "object", "default": {"name": "auto"}, "properties": {"name": {"type": "string"}, "classes": {"type": "integer", "default": 10}}},
            "hidden": {"type": "array", "default": [256]},
            "layers": {"type": "array", "items": {"type": "object", "properties": {"width": {"type": "integer", "default": 8}}}},
            "path": {"type": "string"},
        },
    }

    def test_missing_objects_get_their_default_with_its_own_defaults_filled(self) -> None:
        filled = apply_defaults(self.schema, {"optimizer": {"name": "sgd"}, "layers": [{}, {"width": 3}]})
        self.assertEqual(
            filled,
            {
                "epochs": 20,
                "optimizer": {"name": "sgd", "learningRate": 0.001},
                "dataset": {"name": "auto", "classes": 10},
                "hidden": [256],
                "layers": [{"width": 8}, {"width": 3}],
            },
        )
        self.assertNotIn("path", filled)  # optional without a default stays absent, as zod leaves it

    def test_defaults_are_copies_and_the_input_is_not_changed(self) -> None:
        value = {"optimizer": {"name": "sgd"}}
        before = copy.deepcopy(value)
        first = apply_defaults(self.schema, value)
        first["hidden"].append(1)
        self.assertEqual(value, before)
        self.assertEqual(apply_defaults(self.schema, {})["hidden"], [256])
        self.assertEqual(self.schema["properties"]["hidden"]["default"], [256])

    def test_keys_come_back_in_schema_order_and_wrong_types_unchanged(self) -> None:
        self.assertEqual(list(apply_defaults(self.schema, {"path": "x", "epochs": 3})), ["epochs", "optimizer", "dataset", "hidden", "path"])
        self.assertEqual(apply_defaults(self.schema, {"optimizer": 5})["optimizer"], 5)
        self.assertEqual(apply_defaults(self.schema, "text"), "text")


class RunConfigTests(unittest.TestCase):
    def setUp(self) -> None:
        self.schema = load_schema("ltrun")

    def test_an_empty_config_gets_every_default_the_schema_declares(self) -> None:
        config, issues = parse_run_config({})
        self.assertEqual(issues, [])
        expected_top = {key for key, prop in self.schema["properties"].items() if "default" in prop}
        self.assertEqual(set(config), expected_top)
        for key in ("optimizer", "metrics", "augmentation"):
            properties = self.schema["properties"][key]["properties"]
            for field, prop in properties.items():
                if "default" in prop and field != "tail":
                    self.assertEqual(config[key][field], prop["default"], f"{key}.{field}")
        self.assertEqual(config["method"], {"name": "cross-entropy"})
        tail_schema = self.schema["properties"]["metrics"]["properties"]["tail"]["properties"]
        self.assertEqual(config["metrics"]["tail"], {field: prop["default"] for field, prop in tail_schema.items()})

    def test_a_method_gets_its_own_defaults(self) -> None:
        config, issues = parse_run_config({"method": {"name": "ldam-drw"}})
        self.assertEqual(issues, [])
        branch = next(b for b in self.schema["properties"]["method"]["oneOf"] if b["properties"]["name"].get("const") == "ldam-drw")
        expected = {"name": "ldam-drw", **{field: prop["default"] for field, prop in branch["properties"].items() if "default" in prop}}
        self.assertEqual(config["method"], expected)
        self.assertNotIn("reweightAfterEpochs", config["method"])

    def test_invalid_configs_are_refused_with_the_field_and_the_fix(self) -> None:
        config, issues = parse_run_config({"optimizer": {"learningRate": 0}, "epochs": 1.5, "method": {"name": "focal", "gama": 2}, "bogus": 1})
        self.assertIsNone(config)
        self.assertEqual(
            [str(issue) for issue in issues],
            [
                "method.gama: unknown field \"gama\" in method: remove it or check its spelling",
                "optimizer.learningRate: must be greater than 0 (got 0)",
                "epochs: expected an integer, got 1.5: write a whole number",
                'bogus: unknown field "bogus": remove it or check its spelling',
            ],
        )
        self.assertEqual(paths(parse_run_config({"method": {"name": "granularity"}})[1]), ["method.auxiliaryClasses"])
        self.assertEqual(paths(parse_run_config([])[1]), [""])
        self.assertEqual(paths(parse_run_config({"seed": math.nan})[1]), ["seed"])

    def test_cross_field_label_checks_run_only_when_the_types_are_right(self) -> None:
        multi = {"labels": {"mode": "multi-label", "source": "file", "path": "train.csv"}, "method": {"name": "focal"}}
        _, issues = parse_run_config(multi)
        self.assertEqual(paths(issues), ["method.name", "labels.testPath"])
        _, issues = parse_run_config({**multi, "epochs": 0})  # a bound: zod still runs the refinement
        self.assertEqual(paths(issues), ["epochs", "method.name", "labels.testPath"])
        _, issues = parse_run_config({**multi, "backend": "tpu"})  # a wrong value: zod does not
        self.assertEqual(paths(issues), ["backend"])
        config, issues = parse_run_config({"labels": {"mode": "multi-label"}, "engine": "tfjs"})
        self.assertEqual(issues, [])
        self.assertEqual(config["labels"]["mode"], "multi-label")

    def test_unknown_schema_names_say_which_exist(self) -> None:
        with self.assertRaisesRegex(ValueError, "use one of ltrun, messages"):
            load_schema("nope")


if __name__ == "__main__":
    unittest.main()
