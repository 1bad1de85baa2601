"""Structured output: the modes, what each sends as `response_format`, the schema in
the closed form strict mode needs, the prompt text for modes that carry the schema in
the conversation, and reading the JSON object out of a chatty reply."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

Message = dict[str, str]
Mode = Literal["json_schema_strict", "json_schema", "json_object_schema", "json_object", "text"]
CHAIN: tuple[Mode, ...] = (
    "json_schema_strict", "json_schema", "json_object_schema", "json_object", "text",
)
FORCED: dict[str, tuple[Mode, ...]] = {
    "auto": CHAIN,
    "json_schema": ("json_schema_strict",),
    "json_object": ("json_object",),
    "text": ("text",),
}
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n(.*?)\n?```", re.DOTALL)


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema in the closed form strict mode requires: every object
    has `additionalProperties: false` and lists all its properties as required."""
    schema = model.model_json_schema()

    def close(node: object) -> None:
        if isinstance(node, dict):
            for annotation in ("default", "title"):  # not properties of those names
                if annotation in node and not isinstance(node[annotation], dict):
                    del node[annotation]
            if node.get("type") == "object" and "properties" in node:
                node["additionalProperties"] = False
                node["required"] = list(node["properties"])
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for item in node:
                close(item)

    close(schema)
    return schema


def extract_json(text: str) -> str:
    """The JSON object in a reply: inside a ``` fence if there is one, else the text
    from the first `{` to the last `}` (models like to add a sentence around it)."""
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1)
    start, end = text.find("{"), text.rfind("}")
    return text[start : end + 1] if 0 <= start < end else text.strip()


def describe_errors(exc: ValidationError, limit: int = 10, sep: str = "\n") -> str:
    lines = []
    errors = exc.errors(include_url=False)
    for err in errors[:limit]:
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        lines.append(f"- {where}: {err['msg']}")
    if len(errors) > limit:
        lines.append(f"- and {len(errors) - limit} more")
    return sep.join(lines)


PROMPTED: frozenset[Mode] = frozenset({"json_object", "text"})


def response_format(mode: Mode, name: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    if mode == "json_schema_strict":
        return {"type": "json_schema", "json_schema": {"name": name, "strict": True,
                                                       "schema": schema}}
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": name, "strict": False,
                                                       "schema": schema}}
    if mode == "json_object_schema":
        return {"type": "json_object", "schema": schema}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def schema_note(schema: dict[str, Any]) -> str:
    return (
        "Answer with a single JSON object (no prose, no Markdown fence) that "
        "validates against this JSON Schema:\n"
        + json.dumps(schema, separators=(",", ":"), sort_keys=True)
    )


def with_schema_instructions(messages: list[Message], schema: dict[str, Any]) -> list[Message]:
    """Modes without a schema in `response_format` get it in the last message, so the
    shared prefix of the conversation stays byte-identical."""
    last = messages[-1]
    return [*messages[:-1], {**last, "content": last["content"] + "\n\n" + schema_note(schema)}]


def is_json_object(content: str) -> bool:
    try:
        return isinstance(json.loads(extract_json(content)), dict)
    except ValueError:
        return False


def repair_text(exc: ValidationError, schema: dict[str, Any] | None, content: str) -> str:
    """The repair turn. A reply that is not even a JSON object, in a mode whose schema
    travels in `response_format`, suggests the server ignored it: the schema is quoted."""
    text = (
        "Your answer was not valid for the required JSON schema:\n"
        f"{describe_errors(exc)}\n"
        "Reply again with only the corrected JSON object."
    )
    if schema is not None and not is_json_object(content):
        text += "\n\n" + schema_note(schema)
    return text
