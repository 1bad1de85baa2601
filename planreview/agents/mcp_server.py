"""`planreview mcp`: a Model Context Protocol server over stdio (the official `mcp` SDK).

Tools: `review_plan` (the findings contract as structured content, the Markdown report
as text), `list_rules`, `explain_rule`. Plan paths are confined to the repository the
server was started in. Bad input (a missing plan, a path outside the repository, an
unknown rule) comes back as a tool error (isError) with the CLI's one-line message; the
server keeps answering. Built on the SDK's low-level `Server` (mcp 2.x), so the tool
result carries both the structured report and the Markdown text.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server

from planreview.agents import tools
from planreview.config import ALL_REVIEWERS
from planreview.errors import UserInputError

SERVER_NAME = "planreview"

_PLAN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "plan": {"type": "string",
                 "description": "The plan's path (Markdown), relative to the repository."},
        "engine": {"type": "string", "enum": list(tools.ENGINES), "default": "rules",
                   "description": "rules: the deterministic rules (no model calls)."},
        "reviewers": {"type": "array", "items": {"type": "string", "enum": list(ALL_REVIEWERS)},
                      "description": "A subset of the specialists (default: all)."},
        "fail_on": {"type": "string", "enum": list(tools.FAIL_ON), "default": "none",
                    "description": "Say whether findings at or above this severity exist."},
    },
    "required": ["plan"],
}

TOOLS = [
    types.Tool(
        name="review_plan",
        description=("Review an implementation plan (Markdown) against this repository: "
                     "P1/P2/P3 findings on schema changes, migrations, queries, indexes "
                     "and caching, each with plan lines, impact and the fix."),
        input_schema=_PLAN_SCHEMA,
    ),
    types.Tool(
        name="list_rules",
        description="List every deterministic rule: id, specialist, severity, summary.",
        input_schema={"type": "object", "properties": {}},
    ),
    types.Tool(
        name="explain_rule",
        description="Explain one rule: what it catches, why it matters, the fix.",
        input_schema={"type": "object", "properties": {"rule": {"type": "string"}},
                      "required": ["rule"]},
    ),
]


def _text(text: str) -> list[types.ContentBlock]:
    return [types.TextContent(type="text", text=text)]


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=_text(f"Error: {message}"), is_error=True)


def call(root: Path, env: Mapping[str, str], name: str,
         arguments: Mapping[str, Any]) -> types.CallToolResult:
    """One tool call, synchronously; UserInputError becomes a tool error."""
    try:
        if name == "review_plan":
            done = tools.review_plan(
                root, env, arguments.get("plan", ""),
                engine=str(arguments.get("engine", "rules")),
                reviewers=arguments.get("reviewers"),
                fail_on=str(arguments.get("fail_on", "none")),
            )
            verdict = ""
            if done.settings.fail_on != "none":
                failing = done.failing
                verdict = (f"fail_on {done.settings.fail_on}: {len(failing)} finding(s) at or "
                           f"above it{': ' + ', '.join(failing) if failing else ''}\n\n")
            return types.CallToolResult(
                content=_text(verdict + done.markdown),
                structured_content=done.report.model_dump(mode="json"),
            )
        if name == "list_rules":
            listing = tools.rules_listing()
            lines = [f"{r['id']}  {r['specialist']}  {r['severity']}  {r['summary']}"
                     for r in listing]
            return types.CallToolResult(content=_text("\n".join(lines) + "\n"),
                                        structured_content={"rules": listing})
        if name == "explain_rule":
            return types.CallToolResult(content=_text(tools.explain_rule(arguments.get("rule"))))
    except UserInputError as exc:
        return _error(str(exc))
    return _error(f"unknown tool {name!r}")


def build_server(root: Path, env: Mapping[str, str]) -> Server[Any]:
    async def list_tools(_ctx: ServerRequestContext[Any],
                         _params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return types.ListToolsResult(tools=TOOLS)

    async def call_tool(_ctx: ServerRequestContext[Any],
                        params: types.CallToolRequestParams) -> types.CallToolResult:
        arguments = dict(params.arguments or {})
        # A review reads files and runs the rules: off the event loop, so pings go on.
        return await anyio.to_thread.run_sync(partial(call, root, env, params.name, arguments))

    return Server(SERVER_NAME, version=_version(), on_list_tools=list_tools,
                  on_call_tool=call_tool)


def _version() -> str:
    from importlib.metadata import version

    return version("planreview")


def serve(root: Path, env: Mapping[str, str]) -> None:
    """Serve over stdin/stdout until the client closes the connection."""
    if not root.is_dir():
        raise UserInputError(f"repository path {root} does not exist")
    server = build_server(root.resolve(), env)

    async def main() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(main)
