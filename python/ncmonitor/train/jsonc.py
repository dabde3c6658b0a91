"""JSON with comments, as run configs are written (``//`` and ``/* */`` comments, trailing commas), read with the
standard library. Comments and trailing commas are blanked out rather than removed, so the line and column of a
syntax error still point into the original text."""

from __future__ import annotations

import json
from typing import Any


class JsoncError(ValueError):
    """A syntax error, with its 1-based line and column in the original text."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{line}:{column}: {message}")
        self.line = line
        self.column = column
        self.reason = message


def _blank(text: str) -> str:
    """Newlines kept, everything else of a comment replaced by spaces."""
    return "".join(character if character == "\n" else " " for character in text)


def strip_comments(text: str) -> str:
    out = []
    index = 0
    length = len(text)
    while index < length:
        character = text[index]
        if character == '"':
            end = index + 1
            while end < length and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            out.append(text[index : end + 1])
            index = end + 1
        elif text.startswith("//", index):
            end = text.find("\n", index)
            end = length if end < 0 else end
            out.append(_blank(text[index:end]))
            index = end
        elif text.startswith("/*", index):
            end = text.find("*/", index + 2)
            if end < 0:
                line = text.count("\n", 0, index) + 1
                raise JsoncError("unterminated /* comment", line, index - (text.rfind("\n", 0, index) + 1) + 1)
            out.append(_blank(text[index : end + 2]))
            index = end + 2
        else:
            out.append(character)
            index += 1
    return "".join(out)


def _strip_trailing_commas(text: str) -> str:
    """A comma followed only by whitespace and then } or ] (outside strings) becomes a space."""
    out = list(text)
    index = 0
    length = len(text)
    while index < length:
        character = text[index]
        if character == '"':
            index += 1
            while index < length and text[index] != '"':
                index += 2 if text[index] == "\\" else 1
        elif character == ",":
            after = index + 1
            while after < length and text[after] in " \t\r\n":
                after += 1
            if after < length and text[after] in "}]":
                out[index] = " "
        index += 1
    return "".join(out)


def loads(text: str) -> Any:
    """The value of a JSONC document; raises JsoncError with the position of the first syntax error."""
    cleaned = _strip_trailing_commas(strip_comments(text))
    if cleaned.strip() == "":
        raise JsoncError("the file is empty: a run config is a JSON object", 1, 1)
    try:
        return json.loads(cleaned)
    except json.JSONDecodeError as error:
        raise JsoncError(f"JSON syntax error: {error.msg}", error.lineno, error.colno) from error
