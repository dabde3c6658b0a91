"""Runs the Python package's unit tests (python/tests) and prints one JSON line per test, for the Node test runner.

Usage: python3 test/support/unittestJson.py PYTHON_DIR [PATTERN ...]
Each line: {"test": id, "outcome": "passed" | "failed" | "skipped", "detail": text}. Exit code 0 when all passed.
"""
import json
import sys
import time
import unittest


class JsonResult(unittest.TestResult):
    def __init__(self) -> None:
        super().__init__()
        self._started = 0.0

    def startTest(self, test: unittest.TestCase) -> None:
        super().startTest(test)
        self._started = time.perf_counter()

    def _emit(self, test: unittest.TestCase, outcome: str, detail: str = "") -> None:
        line = {"test": test.id(), "outcome": outcome, "detail": detail, "ms": round(1000 * (time.perf_counter() - self._started))}
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()

    def addSuccess(self, test: unittest.TestCase) -> None:
        super().addSuccess(test)
        self._emit(test, "passed")

    def addFailure(self, test, err) -> None:  # type: ignore[no-untyped-def]
        super().addFailure(test, err)
        self._emit(test, "failed", self._exc_info_to_string(err, test))

    def addError(self, test, err) -> None:  # type: ignore[no-untyped-def]
        super().addError(test, err)
        self._emit(test, "failed", self._exc_info_to_string(err, test))

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        super().addSkip(test, reason)
        self._emit(test, "skipped", reason)

    def addExpectedFailure(self, test, err) -> None:  # type: ignore[no-untyped-def]
        super().addExpectedFailure(test, err)
        self._emit(test, "passed", "expected failure")

    def addUnexpectedSuccess(self, test: unittest.TestCase) -> None:
        super().addUnexpectedSuccess(test)
        self._emit(test, "failed", "unexpected success")


def main() -> int:
    python_dir, patterns = sys.argv[1], sys.argv[2:] or ["test_*.py"]
    sys.path.insert(0, python_dir)
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for pattern in patterns:
        suite.addTests(loader.discover(f"{python_dir}/tests", pattern=pattern, top_level_dir=f"{python_dir}/tests"))
    result = JsonResult()
    suite.run(result)
    return 0 if result.wasSuccessful() and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
