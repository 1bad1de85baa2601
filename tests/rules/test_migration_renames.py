"""Renames while code still uses the old name: enum labels (migration/enum-value-renamed)
and views (migration/drop-still-referenced)."""

from __future__ import annotations

from planreview.models import Severity
from tests.conftest import GitRepoFactory
from tests.rules.test_migration_rules import findings, lines, open_repo, sql_plan

ENUM = "migration/enum-value-renamed"
STILL_USED = "migration/drop-still-referenced"

RENAME = "ALTER TYPE invoice_state RENAME VALUE 'void' TO 'voided';"

INVOICES_TS = """\
import { InvoiceState } from "@prisma/client";

export async function voidInvoice(id: string) {
  return prisma.invoice.update({ where: { id }, data: { state: "void" } });
}
"""

BILLING_TS = """\
export function isClosed(invoice: Invoice) {
  return invoice.state === InvoiceState.VOID || invoice.state === InvoiceState.PAID;
}
"""


def test_renamed_enum_label_still_written_by_referenced_code_fires() -> None:
    md = sql_plan(RENAME, "We touch `src/invoices.ts`.")
    found = findings(md, ENUM, {"src/invoices.ts": INVOICES_TS})

    assert lines(found) == [(5, 5)]
    assert [(loc.path, loc.start_line) for loc in found[0].locations][1:] == [
        ("src/invoices.ts", 4)
    ]
    assert found[0].severity is Severity.P2
    assert found[0].title == (
        "Enum value invoice_state.void is renamed to voided while code still uses it"
    )
    assert "`src/invoices.ts` line 4 in `voidInvoice()`" in found[0].issue
    assert "ADD VALUE 'voided'" in found[0].recommendation


def test_the_orm_spelling_type_member_counts_as_a_use() -> None:
    md = sql_plan('ALTER TYPE "InvoiceState" RENAME VALUE \'VOID\' TO \'CANCELLED\';')
    found = findings(md, ENUM, {"src/billing.ts": BILLING_TS})
    assert [loc.path for loc in found[0].locations][1:] == ["src/billing.ts"]


def test_a_label_only_in_files_that_never_name_the_type_stays_quiet() -> None:
    other = 'export const reasons = ["void", "refund"];\n'  # same word, another meaning
    assert findings(sql_plan(RENAME), ENUM, {"src/reasons.ts": other}) == []


def test_no_referenced_file_using_the_old_label_stays_quiet() -> None:
    updated = INVOICES_TS.replace('"void"', '"voided"')
    assert findings(sql_plan(RENAME), ENUM, {"src/invoices.ts": updated}) == []
    assert findings(sql_plan(RENAME), ENUM) == []


def test_a_type_the_plan_creates_is_exempt() -> None:
    sql = "CREATE TYPE invoice_state AS ENUM ('open', 'void');\n" + RENAME
    assert findings(sql_plan(sql), ENUM, {"src/invoices.ts": INVOICES_TS}) == []


def test_add_value_is_not_a_rename() -> None:
    sql = "ALTER TYPE invoice_state ADD VALUE 'voided';"
    assert findings(sql_plan(sql), ENUM, {"src/invoices.ts": INVOICES_TS}) == []


# --- views: renamed or dropped while code queries them ------------------------------------

REPORT_TS = """\
export async function monthly() {
  return db.query(`SELECT * FROM monthly_revenue WHERE month = $1`, [month]);
}
"""


def test_a_renamed_view_still_queried_fires(git_repo: GitRepoFactory) -> None:
    root = git_repo({"src/report.ts": REPORT_TS})
    md = sql_plan("ALTER VIEW monthly_revenue RENAME TO revenue_by_month;")
    found = findings(md, STILL_USED, repo=open_repo(root))

    assert [f.title for f in found] == ["View monthly_revenue is renamed while code still uses it"]


def test_a_dropped_view_nothing_queries_stays_quiet_and_needs_no_rollback(
    git_repo: GitRepoFactory,
) -> None:
    root = git_repo({"src/report.ts": REPORT_TS.replace("monthly_revenue", "revenue_by_month")})
    md = sql_plan("DROP VIEW monthly_revenue;")
    assert findings(md, STILL_USED, repo=open_repo(root)) == []
    assert findings(md, "migration/destructive-without-rollback", repo=open_repo(root)) == []
