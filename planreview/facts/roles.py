"""The role of every code block of a plan: the proposal, or something around it.

Plans show more code than they propose: the current code under "Before" or "Current
problem", rejected alternatives ("don't do this"), examples, test code, dev-only seed
scripts. Rules analyse the proposal; everything else is context. A block's role comes
from the nearest evidence first: the code itself (its comments and shape), then the
label line right above it ("**Before:**"), then the paragraph above, then the headings
from the innermost out. The first source that says anything decides; a block nothing
speaks about is the proposal. Every decision keeps its evidence, so the report can say
why a block was skipped.

Only labels count, never a word in passing: "Run this before deploying" is a proposal;
"Before:" or a heading "Before (current)" is not.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from planreview.plan import CodeBlock, ParsedPlan

BlockRole = Literal["proposed", "current", "rejected", "example", "test", "dev-only", "seed"]
EvidenceSource = Literal["code", "label", "prose", "heading", "default"]

ROLES: tuple[BlockRole, ...] = (
    "proposed", "current", "rejected", "example", "test", "dev-only", "seed"
)
# When one source holds several signals, the more specific (and the safer to skip) wins.
_PRIORITY: tuple[BlockRole, ...] = (
    "dev-only", "test", "rejected", "current", "seed", "example", "proposed"
)


@dataclass(frozen=True)
class RoleEvidence:
    source: EvidenceSource
    line: int | None
    """Plan line of the evidence (the heading, the label, the comment); None by default."""
    text: str
    """The words that decided, as written (trimmed to a short excerpt)."""


@dataclass(frozen=True)
class BlockRoleFact:
    block: CodeBlock
    role: BlockRole
    evidence: RoleEvidence

    @property
    def is_proposal(self) -> bool:
        return self.role == "proposed"

    @property
    def line(self) -> int:
        """The block's first content line (what the report cites)."""
        return self.block.start_line

    def describe(self) -> str:
        """`role=current (heading 'Before')` for the report's notes."""
        if self.evidence.source == "default":
            return f"role={self.role}"
        where = {
            "code": "code", "label": "label", "prose": "text above", "heading": "heading",
        }[self.evidence.source]
        at = f" line {self.evidence.line}" if self.evidence.line is not None else ""
        return f"role={self.role} ({where}{at} '{self.evidence.text}')"


# --------------------------------------------------------------------------- vocabulary

_SUFFIX = (
    r"(?:\s+(?:the\s+)?(?:code|implementation|state|behaviou?r|query|queries|schema|problem|"
    r"approach|flow|version|sql|migration|fix|change|changes|refactor|situation|setup|model|"
    r"design|pattern|logic|handler|function|service|endpoint|method|script))?"
)
_TAIL = r"\s*(?:\([^)]*\))?\s*(?:[:.\-—–]\s*)?$"
_CURRENT_WORDS = (
    r"before|current(?:ly)?|existing|today|old|as[- ]is|original|problem|the problem|"
    r"status quo|what we have(?: now| today)?|how it works today|the bug|bug"
)
_PROPOSED_WORDS = (
    r"after|proposed|proposal|fix|fixed|the fix|solution|new|recommended|corrected|updated|"
    r"better|do this(?: instead)?|instead|target|to[- ]be|change to|replace with|good"
)
_REJECTED_WORDS = (
    r"rejected(?: alternative| option| approach)?|rejected alternatives?|"
    r"alternative \(rejected\)|don'?t(?: do this)?|do not(?: do this)?|avoid(?: this)?|"
    r"wrong|bad|anti-?pattern|not this|instead of(?: this| doing this| the following)?|"
    r"why not|not recommended|discarded(?: option| alternative)?"
)
_EXAMPLE_WORDS = (
    r"(?:for\s+)?examples?(?:\s+(?:usage|output|request|response|payload|data))?|e\.g\.|"
    r"sample(?:\s+(?:output|data|request|response|payload))?|for instance|illustration|"
    r"(?:expected\s+|sample\s+)?output"
)
_TEST_WORDS = (
    r"tests?|unit tests?|integration tests?|e2e tests?|test plan|test cases?|spec|specs|"
    r"testing|verification tests?"
)
_SEED_WORDS = r"seed|seeds|seed data|seed script|seeding|seeder|fixtures?"

_LEAD = r"^(?:(?:step|phase|part|option)\s*\d+[a-z]?\s*[:.\-—–]\s*|\d+(?:\.\d+)*[.)]?\s+)?"


def _label(words: str) -> re.Pattern[str]:
    return re.compile(rf"{_LEAD}(?:{words}){_SUFFIX}{_TAIL}", re.IGNORECASE)


_LABELS: tuple[tuple[BlockRole, re.Pattern[str]], ...] = (
    ("rejected", _label(_REJECTED_WORDS)),
    ("current", _label(_CURRENT_WORDS)),
    ("test", _label(_TEST_WORDS)),
    ("seed", _label(_SEED_WORDS)),
    ("example", _label(_EXAMPLE_WORDS)),
    ("proposed", _label(_PROPOSED_WORDS)),
)

# Headings speak for every block under them; only their first words count.
_HEADINGS: tuple[tuple[BlockRole, re.Pattern[str]], ...] = (
    ("rejected", re.compile(
        rf"{_LEAD}(?:rejected|alternatives? considered|considered alternatives?|"
        r"anti-?patterns?|what not to do|don'?t|do not|not doing|discarded|why not)\b",
        re.IGNORECASE)),
    ("current", re.compile(
        rf"{_LEAD}(?:{_CURRENT_WORDS}|today'?s(?:\s+\w+)?|background|problem statement)"
        rf"{_SUFFIX}(?:\s*(?:[:\-—–(]|\bof\b|\bin\b).*)?$(?<!after)(?!.*\bafter\b)",
        re.IGNORECASE)),
    ("test", re.compile(
        rf"{_LEAD}(?:tests?|testing|unit tests?|integration tests?|e2e|test plan|"
        r"test cases?|specs?)\b", re.IGNORECASE)),
    ("seed", re.compile(rf"{_LEAD}(?:seed|seeds|seeding|seed data|fixtures)\b", re.IGNORECASE)),
    ("example", re.compile(rf"{_LEAD}(?:examples?|sample|usage examples?)\b", re.IGNORECASE)),
)

_HEADING_MARK = re.compile(
    r"\((?:current|before|old|existing|today|already\s+(?:implemented|done|in\s+place|exists?|"
    r"applied|shipped|deployed|live)|implemented|shipped|deployed|in\s+place)\)",
    re.IGNORECASE,
)
"""`Indexes (Already Implemented)`: what the text describes is there already."""
_DEV_ONLY = re.compile(
    r"\bonly\s+(?:run|use|execute|for|meant for|intended for)\s+(?:this\s+)?"
    r"(?:in|on|against|with)?\s*(?:a\s+|your\s+|the\s+)?(?:local|dev|development)\b"
    r"|\b(?:development|dev|local)[- ](?:only|environments? only)\b"
    r"|\b(?:development|dev|local)\s+(?:db|database)s?\s+only\b"
    r"|\bfor\s+local\s+development\b"
    r"|\b(?:never|do\s+not|don'?t)\s+run\s+(?:this\s+)?(?:\w+\s+)?(?:in|on|against)\s+"
    r"(?:the\s+)?prod(?:uction)?\b"
    r"|\bnot\s+for\s+(?:use\s+in\s+)?prod(?:uction)?\b"
    r"|\blocal\s+(?:seed|reset|database\s+reset)\b"
    r"|\breset\s+(?:your|the)\s+local\s+(?:db|database)\b",
    re.IGNORECASE,
)
_CROSS = "❌"
_CHECK = "✅"
_NEGATIVE = re.compile(r"\b(?:don'?t|do not|avoid|wrong|bad|never|anti-?pattern)\b", re.I)
_REJECTED_PHRASE = re.compile(
    r"\b(?:don'?t|do not)\s+do\s+this\b|\brejected\s+(?:alternative|option|approach)\b"
    r"|\b(?:we|i)\s+rejected\b|\bwas\s+rejected\b|\banti-?pattern\b"
    r"|\binstead\s+of(?:\s+this|\s+doing\s+this|\s+the\s+following)?\s*:\s*$",
    re.IGNORECASE,
)
_CURRENT_SENTENCE = re.compile(
    r"^(?:the\s+)?(?:current(?:ly)?|today|existing|right\s+now|at\s+the\s+moment|"
    r"as\s+it\s+stands|the\s+code\s+today|this\s+is\s+what\s+we\s+have)\b",
    re.IGNORECASE,
)
_TEST_FILE = re.compile(
    r"(?:^|[\s/`(\"'])(?:[\w.-]+/)*(?:__tests__|tests?|spec|e2e)/[\w./-]+"
    r"|[\w.-]+\.(?:test|spec)\.[cm]?[jt]sx?\b|\btest_\w+\.py\b|\b\w+_test\.(?:go|py|dart)\b"
    r"|\b\w+_spec\.rb\b|\bconftest\.py\b"
)
_SEED_FILE = re.compile(
    r"(?:^|[\s/`(\"'])(?:[\w.-]+/)*(?:seeds?|seeders?|fixtures)/[\w./-]+"
    r"|\bseeds?\.(?:ts|js|mjs|sql|rb|py|dart)\b|\bseed[\w-]*\.(?:ts|js|sql)\b"
)
_TEST_CODE = re.compile(
    r"^\s*(?:describe|it|test|beforeEach|afterEach|beforeAll|afterAll|testWidgets|"
    r"RSpec\.describe|context)\s*\(\s*(?:['\"`]|\(|async\b|\)|function\b)"
    r"|^\s*(?:beforeEach|afterEach|beforeAll|afterAll|setUp|tearDown)\s*\("
    r"|^\s*(?:async\s+)?def\s+test_\w+\s*\("
    r"|^\s*@pytest\.(?:fixture|mark)\b"
    r"|^\s*class\s+\w+\((?:\w+\.)*(?:TestCase|APITestCase)\)\s*:"
    r"|\bfrom\s+['\"](?:vitest|@jest/globals|@playwright/test)['\"]"
    r"|^\s*(?:jest|vi)\.mock\s*\(",
    re.MULTILINE,
)
_DEV_GUARD = re.compile(
    r"NODE_ENV\s*[!=]==?\s*['\"]production['\"]|Rails\.env\.production\?"
    r"|RAILS_ENV\s*[!=]=\s*['\"]production['\"]",
)
_COMMENT = re.compile(r"^\s*(?:--|//|#(?![!{])|/\*+|\*|<!--)\s*(?P<text>.*?)\s*(?:\*/|-->)?\s*$")
_MARKUP = re.compile(r"[*_`>#]+|^\s*(?:[-+]|\d+[.)])\s+")
MAX_EXCERPT = 60


def _excerpt(text: str) -> str:
    clean = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return clean if len(clean) <= MAX_EXCERPT else clean[: MAX_EXCERPT - 1] + "…"


def _plain(line: str) -> str:
    return " ".join(_MARKUP.sub(" ", line).split())


def _label_role(text: str) -> BlockRole | None:
    """The role a short label states ("Before:", "❌ Don't", "**Fix:**"), if any."""
    if len(text) > 90:
        return None
    if _CROSS in text:
        return "rejected" if _NEGATIVE.search(text) else "current"
    if _DEV_ONLY.search(text):
        return "dev-only"
    if _TEST_FILE.search(text):
        return "test"
    if _SEED_FILE.search(text):
        return "seed"
    stripped = text.replace(_CHECK, " ").strip()
    if _HEADING_MARK.search(stripped):
        return "current"
    for role, pattern in _LABELS:
        if pattern.match(stripped):
            return role
    if _CHECK in text:
        return "proposed"
    return None


def _best(found: list[tuple[BlockRole, int, str]]) -> tuple[BlockRole, int, str] | None:
    if not found:
        return None
    return min(found, key=lambda item: _PRIORITY.index(item[0]))


# --------------------------------------------------------------------------- sources


def _from_code(block: CodeBlock) -> tuple[BlockRole, int, str] | None:
    found: list[tuple[BlockRole, int, str]] = []
    lines = block.text.split("\n")
    for offset, raw in enumerate(lines):
        comment = _COMMENT.match(raw)
        if comment is None:
            continue
        text = comment.group("text")
        line = block.line_of(offset)
        if _DEV_ONLY.search(text):
            found.append(("dev-only", line, text))
        elif offset < 3 and (role := _label_role(text)) is not None:
            found.append((role, line, text))
    test = _TEST_CODE.search(block.text)
    if test is not None:
        offset = block.text.count("\n", 0, test.start())
        found.append(("test", block.line_of(offset), lines[offset].strip()))
    guard = _DEV_GUARD.search(block.text)
    if guard is not None:
        offset = block.text.count("\n", 0, guard.start())
        found.append(("dev-only", block.line_of(offset), lines[offset].strip()))
    return _best(found)


@dataclass(frozen=True)
class _Layout:
    """What every block's lookup needs, built once per plan."""

    heading_lines: dict[tuple[str, ...], int]
    block_ends: list[int]
    """Closing-fence line of every block, ascending."""

    @classmethod
    def of(cls, plan: ParsedPlan) -> _Layout:
        return cls(
            {s.heading_path: s.start_line for s in plan.sections},
            sorted(b.end_line + 1 for b in plan.code_blocks),
        )


def _paragraph_above(
    plan: ParsedPlan, block: CodeBlock, layout: _Layout
) -> list[tuple[int, str]]:
    """The last paragraph before the block's opening fence, nearest line last; stops at
    a heading, another code block or the previous paragraph."""
    opening = block.start_line - 1
    fence = opening if _is_fence(plan.line(opening)) else block.start_line
    before = bisect_left(layout.block_ends, fence)
    previous_end = layout.block_ends[before - 1] if before else 0
    out: list[tuple[int, str]] = []
    number = fence - 1
    while number > previous_end and number >= 1 and len(out) < 6:
        text = plan.line(number)
        if not text.strip():
            if out:
                break
            number -= 1
            continue
        if text.lstrip().startswith("#") or _is_fence(text):
            break
        out.append((number, text))
        number -= 1
    out.reverse()
    return out


def _is_fence(text: str) -> bool:
    stripped = text.lstrip()
    return stripped.startswith(("```", "~~~"))


def _from_label(paragraph: list[tuple[int, str]]) -> tuple[BlockRole, int, str] | None:
    if not paragraph:
        return None
    line, raw = paragraph[-1]
    text = _plain(raw)
    role = _label_role(text)
    if role is None:
        # "Before: the handler loads every row" — a label that starts the line.
        head = re.match(r"^(.{1,40}?)\s*[:—–]\s+\S", text)
        if head is not None:
            candidate = _label_role(head.group(1) + ":")
            role = candidate if candidate in ("current", "rejected", "proposed") else None
    return (role, line, raw.strip()) if role is not None else None


def _from_prose(paragraph: list[tuple[int, str]]) -> tuple[BlockRole, int, str] | None:
    found: list[tuple[BlockRole, int, str]] = []
    for line, raw in paragraph:
        text = _plain(raw)
        if _DEV_ONLY.search(text):
            found.append(("dev-only", line, raw.strip()))
        if _REJECTED_PHRASE.search(text):
            found.append(("rejected", line, raw.strip()))
        if _CROSS in text:
            found.append(("current", line, raw.strip()))
    if paragraph:
        line, raw = paragraph[-1]
        text = _plain(raw)
        if text.endswith(":"):
            sentence = re.split(r"(?<=[.!?])\s+", text)[-1]
            if _CURRENT_SENTENCE.match(sentence):
                found.append(("current", line, raw.strip()))
    return _best(found)


def _from_headings(block: CodeBlock, layout: _Layout) -> tuple[BlockRole, int, str] | None:
    starts = layout.heading_lines
    path = block.heading_path
    for depth in range(len(path), 0, -1):
        title = path[depth - 1]
        line = starts.get(path[:depth], 0)
        found: list[tuple[BlockRole, int, str]] = []
        if _DEV_ONLY.search(title):
            found.append(("dev-only", line, title))
        if _CROSS in title:
            found.append(("rejected" if _NEGATIVE.search(title) else "current", line, title))
        clean = title.replace(_CHECK, " ").strip()
        if _HEADING_MARK.search(clean):
            found.append(("current", line, title))
        found.extend((role, line, title) for role, pattern in _HEADINGS if pattern.match(clean))
        best = _best(found)
        if best is not None:
            return best
    return None


def block_role(plan: ParsedPlan, block: CodeBlock, *, _layout: _Layout | None = None
               ) -> BlockRoleFact:
    """The role of one block of `plan`, with the evidence that decided it."""
    layout = _layout or _Layout.of(plan)
    paragraph = _paragraph_above(plan, block, layout)
    sources: tuple[tuple[EvidenceSource, tuple[BlockRole, int, str] | None], ...] = (
        ("code", _from_code(block)),
        ("label", _from_label(paragraph)),
        ("prose", _from_prose(paragraph)),
        ("heading", _from_headings(block, layout)),
    )
    for source, found in sources:
        if found is not None:
            role, line, text = found
            return BlockRoleFact(block, role, RoleEvidence(source, line, _excerpt(text)))
    return BlockRoleFact(block, "proposed", RoleEvidence("default", None, ""))


def block_roles(plan: ParsedPlan) -> tuple[BlockRoleFact, ...]:
    """Every code block's role, in plan order."""
    layout = _Layout.of(plan)
    return tuple(block_role(plan, block, _layout=layout) for block in plan.code_blocks)


def iter_proposals(facts: tuple[BlockRoleFact, ...]) -> Iterator[CodeBlock]:
    return (fact.block for fact in facts if fact.is_proposal)


_SEGMENT = re.compile(
    r"^(?:(?P<current>before|current|old|existing|today)|(?P<proposed>after|new|proposed|fixed|fix))"
    r"\b(?:\s*\((?:current|proposed|new|old)\))?(?:\s*:|\s+[—–-]\s)",
    re.IGNORECASE,
)
"""`// BEFORE: separate lookup` ... `// AFTER: direct access` inside one block."""


def segment_role(fact: BlockRoleFact, line: int) -> BlockRoleFact:
    """The role at plan line `line` of a block that shows both sides in itself: a block
    with a `BEFORE:`-style and an `AFTER:`-style comment is current from the first and the
    proposal from the second (each marker holds until the next). Other blocks: `fact`."""
    block = fact.block
    markers: list[tuple[int, BlockRole, str]] = []
    for offset, raw in enumerate(block.text.split("\n")):
        comment = _COMMENT.match(raw)
        m = _SEGMENT.match(comment.group("text")) if comment else None
        if m is not None:
            role: BlockRole = "current" if m.group("current") else "proposed"
            markers.append((block.line_of(offset), role, raw.strip()))
    if {role for _, role, _ in markers} != {"current", "proposed"}:
        return fact
    above = [m for m in markers if m[0] <= line]
    if not above:
        return fact
    at, role, text = above[-1]
    return BlockRoleFact(block, role, RoleEvidence("code", at, _excerpt(text)))
