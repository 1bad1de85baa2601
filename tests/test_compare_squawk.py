"""The squawk side-by-side report (benchmarks/compare_squawk.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.compare_squawk import (
    CORPUS,
    EXCLUDED,
    SQUAWK,
    SQUAWK_TO_OURS,
    Comparison,
    SquawkFailed,
    _statement_of,
    _tally,
    compare,
    our_flags,
    render,
    squawk_flags,
    statement_spans,
)
from planreview.models import Severity
from planreview.rules import Hit, RuleContext, rule
from tests.conftest import AddRule

needs_squawk = pytest.mark.skipif(not SQUAWK.exists(), reason="squawk binary not installed")

THREE = [
    "prisma_20240212141500_add_booking_index.sql",
    "rails_20240115100000_add_reference_account.sql",
    "django_shop_0013_price_check.sql",
]


def test_statement_spans_begin_at_the_first_line_after_leading_comments() -> None:
    text = "-- header\n\n/* note */\nCREATE INDEX a\n  ON t (x);\n-- next\nDROP TABLE u;\n"

    assert statement_spans(text) == [(4, 5), (7, 7)]


def test_statement_spans_are_empty_for_sql_that_does_not_parse() -> None:
    assert statement_spans("ALTER TABLE t ADD COLUMN;\n") == []


def test_timeout_rules_are_compared_per_file_not_per_statement() -> None:
    spans = [(1, 1), (3, 4)]

    assert _statement_of(spans, 4, "require-lock-timeout") == 0
    assert _statement_of(spans, 4, "migration/missing-lock-timeout") == 0
    assert _statement_of(spans, 4, "require-concurrent-index-creation") == 3


def test_agreement_is_counted_per_statement_through_the_rule_map() -> None:
    squawk_rule = "require-concurrent-index-creation"
    ours = SQUAWK_TO_OURS[squawk_rule][0]
    out = Comparison(ours_only={"indexing/fk-without-index": 0})

    _tally(
        out,
        theirs={(1, squawk_rule), (5, squawk_rule)},
        ours={(1, ours), (9, ours), (9, "indexing/fk-without-index")},
        reverse={ours: [squawk_rule]},
    )

    tally = out.squawk[squawk_rule]
    assert (tally.both, tally.only_squawk, tally.only_us) == (1, 1, 1)
    assert out.ours_only == {"indexing/fk-without-index": 1}


def test_a_statement_flagged_under_any_squawk_rule_mapped_to_ours_is_agreement() -> None:
    drop = SQUAWK_TO_OURS["ban-drop-column"][0]
    out = Comparison()

    _tally(
        out,
        theirs={(4, "ban-drop-column")},
        ours={(4, drop)},
        reverse={drop: ["ban-drop-column", "ban-drop-table"]},
    )

    assert out.squawk["ban-drop-column"].both == 1
    assert "ban-drop-table" not in out.squawk or out.squawk["ban-drop-table"].only_us == 0


@pytest.fixture
def drop_rule(add_rule: AddRule) -> str:
    """A throwaway migration rule flagging every plan line that says DROP."""
    rule_id = "migration/test-every-drop"

    @rule(rule_id, severity=Severity.P3)
    def every_drop(ctx: RuleContext) -> Iterator[Hit]:
        """Flags DROP (a test rule)."""
        for number, text in enumerate(ctx.plan.lines, start=1):
            if "DROP" in text:
                yield Hit("drop", [ctx.plan_location(number)], "i", "m", "r")

    return add_rule(every_drop)


@pytest.mark.parametrize("header", ["", "`prisma/migrations/1_x/migration.sql`:\n"])
def test_our_findings_are_reported_at_file_lines_of_their_statements(
    drop_rule: str, header: str
) -> None:
    text = "CREATE TABLE t (id int);\nALTER TABLE t\n  DROP COLUMN x;\n"

    flags, errors = our_flags(text, "m.sql", statement_spans(text), header)

    assert {flag for flag in flags if flag[1] == drop_rule} == {(2, drop_rule)}
    assert errors == []


def test_a_squawk_that_exits_1_without_a_report_is_a_failure_not_a_clean_file(
    tmp_path: Path,
) -> None:
    fake = tmp_path / "squawk"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    sql = tmp_path / "m.sql"
    sql.write_text("DROP TABLE t;\n")

    with pytest.raises(SquawkFailed, match=r"m\.sql: exit 1"):
        squawk_flags(fake, sql, statement_spans(sql.read_text()))


@needs_squawk
def test_a_squawk_finding_inside_a_multiline_statement_lands_on_its_first_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "m.sql"
    path.write_text("-- AlterTable\nALTER TABLE orders\n    ADD COLUMN total integer NOT NULL;\n")

    flags = squawk_flags(SQUAWK, path, statement_spans(path.read_text()))

    # squawk points at the ADD COLUMN clause (line 3); the statement starts on line 2
    assert (2, "adding-required-field") in flags
    assert not any(line == 3 for line, _ in flags)


@needs_squawk
def test_three_corpus_files_give_one_table_row_per_mapped_or_excluded_squawk_rule() -> None:
    out = compare([CORPUS / name for name in THREE])
    table = render(out, one_process_s=0.01)

    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert rows[0] == "| squawk rule | our rule | both | only squawk | only us | status |"
    assert all(row.count("|") == 7 for row in rows)
    named = {row.split(" | ")[0].removeprefix("| ") for row in rows[1:]}
    assert set(SQUAWK_TO_OURS) | set(EXCLUDED) <= named
    assert out.files == 3
    flagged = out.squawk["require-concurrent-index-creation"]
    assert flagged.both + flagged.only_squawk == 2  # the Prisma and the Rails index
    assert "squawk, one process per file:" in table
    assert "squawk, one process for all files: 10 ms" in table
    assert "planreview rules, in process:" in table
