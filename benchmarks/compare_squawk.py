"""`make compare-squawk`: squawk and our SQL rules, side by side, on one migration corpus.

For every file in benchmarks/squawk_corpus/ both tools lint the same SQL: squawk
(`--reporter json`, lines 0-based) as a process, ours in process on a plan made of one
```sql block holding the file. Findings are compared per (file, statement): both tools
report a line inside a statement (squawk points at the offending clause), so each line is
mapped to the first line of the statement around it, found with libpg_query (pgparse).

`--assume-in-transaction` is passed for prisma_* files only: Prisma Migrate runs each
migration file in one transaction; the Rails, Django and hand-written files say BEGIN and
COMMIT themselves where they run in one, and squawk reports every BEGIN under that flag
as `transaction-nesting`. Our counterpart: the plan names the Prisma file
(`prisma/migrations/<name>/migration.sql`) on the line above the block, as plans do.

Prints a Markdown table per squawk rule (both flag / only squawk / only us), rows for our
rules squawk has no equivalent for, and each tool's wall time for the whole corpus.
Exits 0 always: it is a report, not a gate.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pgparse  # noqa: E402

from planreview.plan import parse_plan  # noqa: E402
from planreview.repo import RepoContext  # noqa: E402
from planreview.reviewers import all_rules, rule_sets  # noqa: E402
from planreview.rules import RuleContext, run_rules  # noqa: E402

CORPUS = ROOT / "benchmarks" / "squawk_corpus"
SQUAWK = Path(sys.executable).parent / "squawk"
SPECIALTIES = ("migration", "indexing")

_DROP = ("migration/destructive-without-rollback", "migration/drop-still-referenced")

# squawk rule -> the ids of ours that catch the same thing (any one registered counts);
# () marks a squawk rule we mean to match and do not yet (a gap).
SQUAWK_TO_OURS: dict[str, tuple[str, ...]] = {
    "require-concurrent-index-creation": ("migration/create-index-not-concurrently",),
    "ban-concurrent-index-creation-in-transaction": ("migration/concurrently-in-transaction",),
    "constraint-missing-not-valid": ("migration/constraint-without-not-valid",),
    "adding-foreign-key-constraint": ("migration/constraint-without-not-valid",),
    "adding-field-with-default": ("migration/add-column-volatile-default",),
    "adding-required-field": ("migration/add-column-not-null-without-default",),
    "adding-not-nullable-field": ("migration/set-not-null",),
    "changing-column-type": ("migration/column-type-change",),
    "disallowed-unique-constraint": ("migration/add-unique-without-index",),
    "adding-serial-primary-key-field": ("migration/add-unique-without-index",),
    "renaming-column": ("migration/drop-still-referenced",),
    "renaming-table": ("migration/drop-still-referenced",),
    "ban-drop-column": _DROP,
    "ban-drop-table": _DROP,
    "require-lock-timeout": ("migration/missing-lock-timeout",),
    "require-concurrent-index-deletion": ("migration/drop-index-not-concurrently",),
    "require-concurrent-reindex": ("migration/reindex-not-concurrently",),
    "require-concurrent-partition-detach": ("migration/detach-partition-not-concurrently",),
    "ban-truncate-cascade": ("migration/truncate-cascade",),
    "renaming-object": (),
}

# squawk rules we do not mean to match; docs/rules.md says why at length.
EXCLUDED: dict[str, str] = {
    "require-statement-timeout": "lock_timeout bounds the queue",
    "transaction-nesting": "file structure, not a plan's",
    "ban-uncommitted-transaction": "file structure, not a plan's",
    "prefer-robust-stmts": "idempotency style",
    "prefer-text-field": "type style",
    "prefer-timestamp-tz": "type style",
    "prefer-bigint-over-int": "type style",
    "prefer-bigint-over-smallint": "type style",
    "prefer-identity": "type style",
    "ban-char-field": "type style",
    "ban-drop-default": "relaxes; safe",
    "ban-drop-not-null": "relaxes; safe",
    "ban-drop-constraint": "contract step",
    "ban-drop-type": "Postgres refuses while used",
    "require-enum-value-ordering": "cosmetic",
    "identifier-too-long": "Postgres notices",
}


# Said once per file (squawk: at the first statement that locks; ours: at the first
# ACCESS EXCLUSIVE one), so compared per file: they are keyed to line 0.
PER_FILE = {"require-lock-timeout", "require-statement-timeout", "migration/missing-lock-timeout"}


class SquawkFailed(Exception):
    """squawk crashed or printed something other than its JSON report."""


@dataclass
class Tally:
    both: int = 0
    only_squawk: int = 0
    only_us: int = 0


@dataclass
class Comparison:
    files: int = 0
    statements: int = 0
    squawk: dict[str, Tally] = field(default_factory=dict)
    """squawk rule -> agreement with the ours it maps to."""
    ours_only: dict[str, int] = field(default_factory=dict)
    """our rule without a squawk equivalent -> statements it flags."""
    registered: set[str] = field(default_factory=set)
    squawk_s: float = 0.0
    ours_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)
    """`file:line  only squawk|only us  rule`, for --details."""


Flags = set[tuple[int, str]]
"""(first line of the statement, rule) pairs for one file."""


def statement_spans(text: str) -> list[tuple[int, int]]:
    """(first, last) 1-based lines of each statement; [] when the file does not parse."""
    try:
        tree = pgparse.parse(text)
    except pgparse.PGQueryError:
        return []
    raw = text.encode()  # libpg_query's offsets count bytes
    spans = []
    for stmt in tree:
        start = stmt.get("stmt_location", 0)
        end = start + (stmt.get("stmt_len") or len(raw) - start)  # 0: to the end
        start = _skip_blank_and_comments(raw, start, end)
        spans.append((raw.count(b"\n", 0, start) + 1, raw.count(b"\n", 0, max(start, end - 1)) + 1))
    return spans


def _skip_blank_and_comments(raw: bytes, pos: int, end: int) -> int:
    # A statement's location includes the whitespace and comments before it.
    while pos < end:
        if raw[pos : pos + 1].isspace():
            pos += 1
        elif raw.startswith(b"--", pos):
            newline = raw.find(b"\n", pos)
            pos = end if newline < 0 else newline + 1
        elif raw.startswith(b"/*", pos):
            close = raw.find(b"*/", pos)
            pos = end if close < 0 else close + 2
        else:
            break
    return pos


def _statement_of(spans: list[tuple[int, int]], line: int, rule: str = "") -> int:
    if rule in PER_FILE:
        return 0
    return next((first for first, last in spans if first <= line <= last), line)


def squawk_flags(squawk: Path, path: Path, spans: list[tuple[int, int]]) -> Flags:
    cmd = [str(squawk), "--reporter", "json", *_txn_flag(path), str(path)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60)
    try:
        found = json.loads(done.stdout or "[]")
    except json.JSONDecodeError as exc:
        raise SquawkFailed(f"{path.name}: {done.stderr.strip() or exc}") from exc
    if done.returncode not in (0, 1) or (done.returncode == 1 and not found):  # 1: findings
        raise SquawkFailed(f"{path.name}: exit {done.returncode}: {done.stderr.strip()}")
    return {(_statement_of(spans, f["line"] + 1, f["rule_name"]), f["rule_name"]) for f in found}


def _txn_flag(path: Path) -> list[str]:
    return ["--assume-in-transaction"] if path.name.startswith("prisma_") else []


def _plan_header(path: Path) -> str:
    # What a plan says above a Prisma migration; our counterpart of the flag above.
    if not path.name.startswith("prisma_"):
        return ""
    return f"`prisma/migrations/{path.stem.removeprefix('prisma_')}/migration.sql`:\n"


def our_flags(
    text: str, name: str, spans: list[tuple[int, int]], header: str = ""
) -> tuple[Flags, list[str]]:
    """Our rules on a plan holding `header` lines, then one ```sql block with the file."""
    body = text if text.endswith("\n") else text + "\n"
    plan = parse_plan(header + "```sql\n" + body + "```\n", name)
    offset = header.count("\n") + 1  # plan line n + offset holds file line n
    results = run_rules(RuleContext(plan, RepoContext()), rule_sets(SPECIALTIES))
    flags = {
        (_statement_of(spans, loc.start_line - offset, finding.rule or ""), finding.rule or "")
        for findings in results.findings.values()
        for finding in findings
        for loc in finding.locations[:1]
        if loc.path == name
    }
    errors = [f"{name}: {specialty}: {why}" for specialty, why in results.errors.items()]
    return flags, errors


def compare(files: list[Path], squawk: Path = SQUAWK) -> Comparison:
    out = Comparison(files=len(files))
    out.registered = {r.id for r in all_rules() if r.category.value in SPECIALTIES}
    mapped = {rule_id for ids in SQUAWK_TO_OURS.values() for rule_id in ids}
    # our rule -> the squawk rules that catch the same thing
    reverse: dict[str, list[str]] = defaultdict(list)
    for name, ids in SQUAWK_TO_OURS.items():
        for rule_id in ids:
            reverse[rule_id].append(name)
    for rule_name in (*SQUAWK_TO_OURS, *EXCLUDED):
        out.squawk.setdefault(rule_name, Tally())
    for rule_id in sorted(out.registered - mapped):
        out.ours_only[rule_id] = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        spans = statement_spans(text)
        out.statements += len(spans)
        if not spans:
            out.notes.append(f"{path.name}: pgparse could not split it; compared by line")
        started = time.perf_counter()
        theirs = squawk_flags(squawk, path, spans)
        out.squawk_s += time.perf_counter() - started
        started = time.perf_counter()
        ours, errors = our_flags(text, path.name, spans, _plan_header(path))
        out.ours_s += time.perf_counter() - started
        out.notes.extend(errors)
        _tally(out, theirs, ours, reverse, where=path.name)
    return out


def _tally(
    out: Comparison, theirs: Flags, ours: Flags, reverse: dict[str, list[str]], where: str = ""
) -> None:
    squawk_at: dict[int, set[str]] = defaultdict(set)
    ours_at: dict[int, set[str]] = defaultdict(set)
    for line, name in theirs:
        squawk_at[line].add(name)
    for line, rule_id in ours:
        ours_at[line].add(rule_id)
    for line, name in theirs:
        tally = out.squawk.setdefault(name, Tally())
        if ours_at[line] & set(SQUAWK_TO_OURS.get(name, ())):
            tally.both += 1
        else:
            tally.only_squawk += 1
            out.disagreements.append(f"{where}:{line}  only squawk  {name}")
    for line, rule_id in ours:
        if rule_id in out.ours_only:
            out.ours_only[rule_id] += 1
            out.disagreements.append(f"{where}:{line}  ours only  {rule_id}")
            continue
        # Agreement when squawk flags the statement under any rule mapped to ours; else
        # one "only us", counted on the first of those rules (DROP COLUMN is no miss of
        # ban-drop-table).
        names = reverse.get(rule_id, [])
        if names and not squawk_at[line] & set(names):
            out.squawk.setdefault(names[0], Tally()).only_us += 1
            out.disagreements.append(f"{where}:{line}  only us  {rule_id} (not {names[0]})")


def squawk_one_process(files: list[Path], squawk: Path = SQUAWK) -> float:
    """Wall time of one squawk process over every file (flags as for Prisma)."""
    cmd = [str(squawk), "--reporter", "json", "--assume-in-transaction", *map(str, files)]
    started = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=False, timeout=300)
    return time.perf_counter() - started


def _status(out: Comparison, name: str) -> tuple[str, str]:
    if name in EXCLUDED:
        return "—", f"excluded: {EXCLUDED[name]}"
    ids = SQUAWK_TO_OURS.get(name, ())
    present = [i for i in ids if i in out.registered]
    if present:
        return ", ".join(f"`{i}`" for i in present), "matched"
    if ids:
        return f"`{ids[0]}`", "not implemented"
    if name in SQUAWK_TO_OURS:
        return "—", "gap"
    return "—", "unmapped"


def render(out: Comparison, one_process_s: float | None = None, details: bool = False) -> str:
    lines = [
        f"squawk vs planreview on {out.files} migration files, {out.statements} statements "
        "(counts are statements; the timeout rules count files)",
        "",
        "| squawk rule | our rule | both | only squawk | only us | status |",
        "|---|---|---:|---:|---:|---|",
    ]
    for name in sorted(out.squawk, key=lambda n: (n in EXCLUDED, n)):
        t = out.squawk[name]
        ours, status = _status(out, name)
        lines.append(f"| {name} | {ours} | {t.both} | {t.only_squawk} | {t.only_us} | {status} |")
    for rule_id, count in sorted(out.ours_only.items()):
        lines.append(f"| — | `{rule_id}` | 0 | 0 | {count} | ours only |")
    ms_per = 1000 * out.squawk_s / max(out.files, 1)
    lines += [
        "",
        f"squawk, one process per file: {out.squawk_s * 1000:.0f} ms ({ms_per:.1f} ms/file)",
    ]
    if one_process_s is not None:
        lines.append(f"squawk, one process for all files: {one_process_s * 1000:.0f} ms")
    lines.append(f"planreview rules, in process: {out.ours_s * 1000:.0f} ms")
    lines += [f"note: {note}" for note in out.notes]
    if details:
        lines += ["", "Disagreements (file:statement line):", *sorted(out.disagreements)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--squawk", type=Path, default=SQUAWK)
    parser.add_argument("--details", action="store_true", help="list every disagreement")
    args = parser.parse_args(argv)
    files = sorted(args.corpus.glob("*.sql"))
    if not args.squawk.exists():
        print(f"squawk not found at {args.squawk} (pip install squawk-cli)")
        return 0
    try:
        out = compare(files, args.squawk)
        print(render(out, squawk_one_process(files, args.squawk), details=args.details))
    except (SquawkFailed, subprocess.TimeoutExpired) as exc:
        print(f"squawk failed, no comparison: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
