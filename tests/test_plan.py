"""parse_plan: structure and references with the exact 1-based lines findings cite."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from planreview.plan import ParsedPlan, Reference, clean_path, parse_plan, split_lines


def parse(text: str, path: str = "docs/plans/plan.md") -> ParsedPlan:
    return parse_plan(text, path)


def refs(text: str, path: str = "docs/plans/plan.md") -> list[tuple[str, int | None, int | None]]:
    return [(r.path, r.start_line, r.end_line) for r in parse(text, path).references]


def only_ref(text: str, path: str = "docs/plans/plan.md") -> Reference:
    found = parse(text, path).references
    assert len(found) == 1, found
    return found[0]


# --------------------------------------------------------------------------- sections

NESTED = """# Plan

Intro.

## Phase 1: Schema

Text.

### Step 1.1

More.

## Phase 2: Migration

Last.
"""


def test_sections_carry_heading_path_level_and_heading_line() -> None:
    sections = parse(NESTED).sections
    assert [(s.heading_path, s.level, s.start_line) for s in sections] == [
        (("Plan",), 1, 1),
        (("Plan", "Phase 1: Schema"), 2, 5),
        (("Plan", "Phase 1: Schema", "Step 1.1"), 3, 9),
        (("Plan", "Phase 2: Migration"), 2, 13),
    ]


def test_section_ends_before_next_heading_of_same_or_higher_level() -> None:
    sections = {s.heading_path[-1]: s for s in parse(NESTED).sections}
    assert sections["Phase 1: Schema"].end_line == 12
    assert sections["Step 1.1"].end_line == 12


def test_open_sections_end_at_the_last_line() -> None:
    sections = {s.heading_path[-1]: s for s in parse(NESTED).sections}
    assert sections["Plan"].end_line == 15
    assert sections["Phase 2: Migration"].end_line == 15


def test_skipped_heading_levels_keep_the_path_of_present_parents() -> None:
    sections = parse("# A\n### C\n## B\n").sections
    assert [s.heading_path for s in sections] == [("A",), ("A", "C"), ("A", "B")]


def test_setext_heading_starts_at_its_text_line() -> None:
    (section,) = parse("intro\n\nTitle\n=====\nbody\n").sections
    assert (section.heading_path, section.level, section.start_line) == (("Title",), 1, 3)


def test_heading_title_is_plain_text_without_markup() -> None:
    (section,) = parse("## Phase 7: **Drop** `Package` [model](x.md)\n").sections
    assert section.heading_path == ("Phase 7: Drop Package model",)


def test_heading_quoted_in_a_blockquote_is_not_a_section() -> None:
    assert [s.heading_path for s in parse("# Real\n\n> # Quoted\n").sections] == [("Real",)]


def test_section_at_finds_the_innermost_section() -> None:
    plan = parse(NESTED)
    inner = plan.section_at(11)
    assert inner is not None and inner.heading_path[-1] == "Step 1.1"


# --------------------------------------------------------------------------- code blocks

def test_backtick_fence_reports_language_content_and_content_lines() -> None:
    (block,) = parse("# T\n\n```sql\nSELECT 1;\nSELECT 2;\n```\n").code_blocks
    assert (block.language, block.text) == ("sql", "SELECT 1;\nSELECT 2;\n")
    assert (block.start_line, block.end_line) == (4, 5)


def test_tilde_fence_of_any_length_is_a_code_block() -> None:
    (block,) = parse("para\n\n~~~~~ts\nconst a = 1;\n~~~~~\n").code_blocks
    assert (block.language, block.start_line, block.end_line) == ("ts", 4, 4)


def test_language_is_the_first_word_of_the_info_string_lower_cased() -> None:
    (block,) = parse("```TypeScript title=\"a.ts\"\nx\n```\n").code_blocks
    assert block.language == "typescript"


def test_fence_without_info_string_has_empty_language() -> None:
    (block,) = parse("```\nx\n```\n").code_blocks
    assert block.language == ""


def test_empty_fence_ends_one_line_before_it_starts() -> None:
    (block,) = parse("a\n\n```sql\n```\n").code_blocks
    assert (block.text, block.start_line, block.end_line) == ("", 4, 3)


def test_unclosed_fence_runs_to_the_end_of_the_file() -> None:
    (block,) = parse("```py\na = 1\nb = 2").code_blocks
    assert (block.text, block.start_line, block.end_line) == ("a = 1\nb = 2\n", 2, 3)


def test_longer_closing_fence_closes_and_shorter_one_does_not() -> None:
    (block,) = parse("````\n```\ninner\n`````\nafter\n").code_blocks
    assert (block.text, block.start_line, block.end_line) == ("```\ninner\n", 2, 3)


def test_indented_code_block_has_no_language_and_exact_lines() -> None:
    (block,) = parse("para\n\n    SELECT 1;\n\n    SELECT 2;\n\nafter\n").code_blocks
    assert (block.language, block.text) == ("", "SELECT 1;\n\nSELECT 2;\n")
    assert (block.start_line, block.end_line) == (3, 5)


def test_fence_nested_in_a_list_item_has_exact_lines_and_dedented_text() -> None:
    text = "- step one\n\n  1. sub\n\n     ```sql\n     ALTER TABLE t;\n     ```\n"
    (block,) = parse(text).code_blocks
    assert (block.text, block.start_line, block.end_line) == ("ALTER TABLE t;\n", 6, 6)


def test_fence_in_a_blockquote_has_exact_lines() -> None:
    (block,) = parse("> quote\n>\n> ```ts\n> a();\n> b();\n> ```\n").code_blocks
    assert (block.text, block.start_line, block.end_line) == ("a();\nb();\n", 4, 5)


def test_code_block_records_the_section_it_sits_in() -> None:
    text = "# Plan\n## Phase 7\n```sql\nx\n```\n## Phase 8\n    y\n"
    assert [b.heading_path for b in parse(text).code_blocks] == [
        ("Plan", "Phase 7"), ("Plan", "Phase 8")
    ]


def test_code_block_before_any_heading_has_empty_heading_path() -> None:
    (block,) = parse("```\nx\n```\n# Later\n").code_blocks
    assert block.heading_path == ()


def test_line_of_maps_a_content_offset_to_a_plan_line() -> None:
    (block,) = parse("# T\n\n```sql\nA;\nB;\n```\n").code_blocks
    assert block.line_of(1) == 5


def test_tab_indented_code_in_a_list_keeps_exact_lines() -> None:
    text = "-\titem\n\n\t```sql\n\tSELECT\t1;\n\t```\n"
    (block,) = parse(text).code_blocks
    assert (block.start_line, block.end_line) == (4, 4)
    assert "SELECT\t1;" in block.text


# --------------------------------------------------------------------------- line endings

def test_crlf_gives_the_same_line_numbers_as_lf() -> None:
    lf = "# A\n\ntext\n\n## B\n```sql\nx\ny\n```\n"
    crlf_plan, lf_plan = parse(lf.replace("\n", "\r\n")), parse(lf)
    assert crlf_plan.sections == lf_plan.sections
    assert crlf_plan.code_blocks == lf_plan.code_blocks
    assert crlf_plan.lines == lf_plan.lines


def test_lone_cr_ends_a_line_as_it_does_for_markdown_it() -> None:
    plan = parse("# A\r\r```sql\rx\r```\r")
    assert plan.lines == ("# A", "", "```sql", "x", "```")
    assert plan.code_blocks[0].start_line == 4


def test_lines_follow_splitlines_for_lf_and_crlf() -> None:
    text = "a\r\nb\n\nc\r\n"
    assert parse(text).lines == tuple(text.splitlines())


def test_other_unicode_separators_stay_inside_their_line() -> None:
    assert split_lines("a\u2028b\x0cc\nd") == ("a\u2028b\x0cc", "d")


def test_bom_is_dropped_without_shifting_lines() -> None:
    plan = parse("\ufeff# Title\n\n```sql\nx\n```\n")
    assert plan.lines[0] == "# Title"
    assert plan.sections[0].heading_path == ("Title",)
    assert plan.code_blocks[0].start_line == 4


def test_text_keeps_the_original_line_endings() -> None:
    assert parse("a\r\nb\r\n").text == "a\r\nb\r\n"


# --------------------------------------------------------------------------- front matter

FRONT = """---
title: Tiers
date: 2026-02-11
owners: [ana, bo]
---
# Plan

```sql
SELECT 1;
```
"""


def test_front_matter_is_parsed_as_yaml() -> None:
    plan = parse(FRONT)
    assert plan.front_matter["title"] == "Tiers"
    assert plan.front_matter["owners"] == ["ana", "bo"]


def test_front_matter_shifts_no_line_numbers() -> None:
    plan = parse(FRONT)
    assert plan.sections[0].start_line == 6
    assert plan.code_blocks[0].start_line == 9
    assert plan.line(6) == "# Plan"


def test_bad_yaml_front_matter_becomes_empty_and_the_rest_still_parses() -> None:
    plan = parse("---\ntitle: [unclosed\n---\n# Plan\n")
    assert plan.front_matter == {}
    assert plan.sections[0].start_line == 4


def test_front_matter_with_an_impossible_date_becomes_empty() -> None:
    assert parse("---\ndate: 2026-13-45\n---\n").front_matter == {}


def test_front_matter_that_is_not_a_mapping_becomes_empty() -> None:
    assert parse("---\n- a\n- b\n---\n").front_matter == {}


def test_unclosed_leading_rule_is_not_front_matter() -> None:
    plan = parse("---\n# Plan\n")
    assert plan.front_matter == {}
    assert plan.sections[0].heading_path == ("Plan",)


def test_paths_in_front_matter_are_not_references() -> None:
    assert refs("---\nsource: `src/a.ts`\n---\n`src/b.ts`\n") == [("src/b.ts", None, None)]


# --------------------------------------------------------------------------- tables

TABLE = """Intro

| Column | Type |
|--------|------|
| `tier_id` | **uuid** |
| name | text |

after
"""


def test_table_reports_header_rows_and_line_range() -> None:
    (table,) = parse(TABLE).tables
    assert table.header == ("Column", "Type")
    assert table.rows == (("tier_id", "uuid"), ("name", "text"))
    assert (table.start_line, table.end_line) == (3, 6)


def test_table_inside_a_list_is_found() -> None:
    (table,) = parse("- item\n\n  | a | b |\n  |---|---|\n  | 1 | 2 |\n").tables
    assert (table.rows, table.start_line, table.end_line) == ((("1", "2"),), 3, 5)


# --------------------------------------------------------------------------- references

def test_backticked_path_is_a_reference_without_lines() -> None:
    ref = only_ref("See `server/src/services/catalog.service.ts` first.\n")
    assert (ref.path, ref.start_line, ref.end_line, ref.form) == (
        "server/src/services/catalog.service.ts", None, None, "backtick")


def test_backticked_file_name_with_known_extension_is_a_reference() -> None:
    assert refs("Edit `schema.prisma` and `README.md`.\n") == [
        ("schema.prisma", None, None), ("README.md", None, None)]


def test_reference_records_the_plan_line_it_appears_on() -> None:
    assert only_ref("# T\r\n\r\nx\r\nuse `src/a.ts`\r\n").plan_line == 4


def test_markdown_link_to_a_file_is_a_link_reference() -> None:
    ref = only_ref("Open [the page](apps/web/src/app/page.tsx).\n")
    assert (ref.path, ref.start_line, ref.form) == ("apps/web/src/app/page.tsx", None, "link")


def test_link_anchor_with_lines_cites_those_lines() -> None:
    ref = only_ref("[repo](src/lib/usage.ts#L47-L85)\n")
    assert (ref.path, ref.start_line, ref.end_line, ref.form) == (
        "src/lib/usage.ts", 47, 85, "link")


def test_link_with_parent_segments_resolves_against_the_plan_folder() -> None:
    ref = only_ref("[svc](../../server/src/a.ts)\n", path="docs/plans/p.md")
    assert ref.path == "server/src/a.ts"


def test_link_escaping_the_repository_is_kept_as_written_for_the_loader_to_refuse() -> None:
    assert refs("[s](../../../secrets.env)\n", path="docs/plans/p.md") == [
        ("../../../secrets.env", None, None)]


def test_link_label_naming_the_same_file_adds_no_second_reference() -> None:
    assert refs("[`catalog.ts`](server/src/catalog.ts)\n") == [
        ("server/src/catalog.ts", None, None)]


def test_reference_style_link_definition_is_a_link_reference() -> None:
    ref = only_ref("See [svc][1].\n\n[1]: server/src/a.ts\n")
    assert (ref.path, ref.plan_line, ref.form) == ("server/src/a.ts", 3, "link")


def test_colon_range_cites_those_lines() -> None:
    ref = only_ref("`src/app/api/admin/users/route.ts:39-50`\n")
    assert (ref.path, ref.start_line, ref.end_line, ref.form) == (
        "src/app/api/admin/users/route.ts", 39, 50, "colon-range")


def test_colon_single_line_cites_one_line() -> None:
    assert refs("`src/a.ts:12`\n") == [("src/a.ts", 12, 12)]


def test_colon_range_without_backticks_is_a_reference() -> None:
    ref = only_ref("**Problem (catalog.repository.ts:97-107):**\n")
    assert (ref.path, ref.start_line, ref.end_line, ref.form) == (
        "catalog.repository.ts", 97, 107, "colon-range")


def test_colon_range_right_after_a_backticked_path() -> None:
    ref = only_ref("`src/a.ts`:12-30 opens the transaction\n")
    assert (ref.start_line, ref.end_line, ref.form) == (12, 30, "colon-range")


def test_line_and_column_cite_the_line() -> None:
    assert refs("at server/src/a.ts:42:7 it throws\n") == [("server/src/a.ts", 42, 42)]


def test_colon_then_prose_cites_no_lines() -> None:
    assert refs("`src/a.ts`: 12 call sites\n") == [("src/a.ts", None, None)]


def test_double_backtick_span_may_hold_a_path() -> None:
    assert refs("``src/a.ts`` and ``x ` y``\n") == [("src/a.ts", None, None)]


def test_unmatched_backtick_run_is_literal_text() -> None:
    assert refs("a `` b `src/a.ts` c\n") == [("src/a.ts", None, None)]


def test_github_style_line_anchor_after_a_path_cites_those_lines() -> None:
    ref = only_ref("`src/a.ts#L12-L30`\n")
    assert (ref.path, ref.start_line, ref.end_line, ref.form) == (
        "src/a.ts", 12, 30, "colon-range")


def test_lines_in_parentheses_after_a_path() -> None:
    ref = only_ref("- `CLAUDE.md` (lines 59-286)\n")
    assert (ref.path, ref.start_line, ref.end_line, ref.form) == (
        "CLAUDE.md", 59, 286, "lines-paren")


def test_single_line_in_parentheses_after_a_path() -> None:
    ref = only_ref("see server/src/agent.ts (line 128)\n")
    assert (ref.path, ref.start_line, ref.end_line, ref.form) == (
        "server/src/agent.ts", 128, 128, "lines-paren")


def test_lines_word_after_a_path() -> None:
    ref = only_ref("**Location:** `server/src/services/context-builder.service.ts` lines 529-534\n")
    assert (ref.start_line, ref.end_line, ref.form) == (529, 534, "line-word")


def test_singular_line_word_with_a_range() -> None:
    ref = only_ref("`server/src/services/catalog.service.ts` line 70-80, Plan Phase 7 (line 369)\n")
    assert (ref.start_line, ref.end_line, ref.form) == (70, 80, "line-word")


def test_bare_colon_range_inside_parentheses_after_a_word() -> None:
    assert refs("is slow (see foo(src/a.ts:5)).\n") == [("src/a.ts", 5, 5)]


def test_line_word_after_a_bare_file_name() -> None:
    ref = only_ref("The method (discovery.service.ts line 369) calls it.\n")
    assert (ref.path, ref.start_line, ref.end_line, ref.form) == (
        "discovery.service.ts", 369, 369, "line-word")


def test_several_ranges_after_one_path_give_one_reference_each() -> None:
    assert refs("`server/src/discovery.service.ts` lines 93-96, 172-183\n") == [
        ("server/src/discovery.service.ts", 93, 96),
        ("server/src/discovery.service.ts", 172, 183),
    ]


def test_l_range_after_a_path() -> None:
    ref = only_ref("`src/a.ts` L12-L30\n")
    assert (ref.start_line, ref.end_line, ref.form) == (12, 30, "line-word")


def test_line_of_a_file_before_its_name() -> None:
    ref = only_ref("with `maxOutputTokens: 4096` (line 128 of agent.ts), the cost\n")
    assert (ref.path, ref.start_line, ref.end_line, ref.form) == (
        "agent.ts", 128, 128, "line-word")


def test_en_dash_range_is_read_like_a_hyphen() -> None:
    assert refs("`src/a.ts` (lines 70–80)\n") == [("src/a.ts", 70, 80)]


def test_reversed_range_is_put_in_order() -> None:
    assert refs("`src/a.ts:80-70`\n") == [("src/a.ts", 70, 80)]


def test_line_zero_keeps_the_path_without_lines() -> None:
    assert refs("`src/a.ts:0`\n") == [("src/a.ts", None, None)]


def test_plan_lines_cited_without_a_path_are_not_references() -> None:
    assert refs("**Location:** Plan Phase 5 system prompt (lines 486-544)\n") == []


def test_bare_path_without_lines_is_not_a_reference() -> None:
    assert refs("We touch server/src/a.ts and Next.js here.\n") == []


def test_leading_dot_slash_and_trailing_punctuation_are_stripped() -> None:
    assert refs("`./src/a.ts`, and (see src/b.ts:3).\n") == [
        ("src/a.ts", None, None), ("src/b.ts", 3, 3)]


def test_http_urls_are_not_references() -> None:
    text = (
        "[docs](https://example.com/guide/setup.md) and https://example.com/a/b.ts:12 "
        "and `https://example.com/x.ts`\n"
    )
    assert refs(text) == []


def test_github_permalink_label_may_still_name_a_file() -> None:
    text = "[`src/a.ts`](https://example.com/org/repo/blob/main/src/a.ts#L5)\n"
    assert refs(text) == [("src/a.ts", None, None)]


def test_anchor_and_mailto_links_are_not_references() -> None:
    assert refs("[up](#phase-7) [mail](mailto:ops@example.com)\n") == []


def test_images_are_not_references() -> None:
    assert refs("![diagram](docs/img/flow.png)\n") == []


def test_paths_inside_code_blocks_are_not_references() -> None:
    text = "```ts\n// see src/other.ts:12\nimport { a } from './a.ts';\n```\n`src/b.ts`\n"
    assert refs(text) == [("src/b.ts", None, None)]


def test_identical_references_are_kept_once_at_their_first_line() -> None:
    plan = parse("`src/a.ts`\n\n`src/a.ts`\n[a](./src/a.ts)\n`src/a.ts:3`\n")
    assert [(r.path, r.start_line, r.plan_line) for r in plan.references] == [
        ("src/a.ts", None, 1), ("src/a.ts", 3, 5)]


def test_references_in_table_cells_are_found() -> None:
    text = "| File | Why |\n|---|---|\n| `packages/db/src/client.ts` | pool |\n"
    assert only_ref(text).plan_line == 3


def test_next_js_route_group_and_dynamic_segments_are_paths() -> None:
    assert refs("`apps/web/app/(marketing)/t/[slug]/page.tsx:15-23`\n") == [
        ("apps/web/app/(marketing)/t/[slug]/page.tsx", 15, 23)]


def test_things_that_only_look_like_paths_are_not_references() -> None:
    text = (
        "`@prisma/client` `application/json` `/api/revalidate` `src/**/*.ts` `Next.js` "
        "`this.prisma.user.findMany()` `apps/web/src/` `.md` `a, b/c` `1/2`\n"
    )
    assert refs(text) == []


def test_clean_path_accepts_extensionless_well_known_files() -> None:
    assert clean_path("Dockerfile") == "Dockerfile"
    assert clean_path("Makefile.") == "Makefile"


def test_clean_path_accepts_env_files_so_the_loader_can_refuse_them() -> None:
    assert clean_path(".env.local") == ".env.local"


# --------------------------------------------------------------------------- properties

def assert_lines_in_range(plan: ParsedPlan) -> None:
    count = len(plan.lines)
    for section in plan.sections:
        assert 1 <= section.start_line <= section.end_line <= count
    for block in plan.code_blocks:
        if block.end_line == block.start_line - 1:
            assert 1 <= block.start_line <= count + 1
            assert block.text == ""
        else:
            assert 1 <= block.start_line <= block.end_line <= count
            assert block.end_line - block.start_line + 1 == block.text.count("\n")
    for table in plan.tables:
        assert 1 <= table.start_line <= table.end_line <= count
    for ref in plan.references:
        assert 1 <= ref.plan_line <= count
        assert (ref.start_line is None) == (ref.end_line is None)
        if ref.start_line is not None and ref.end_line is not None:
            assert 1 <= ref.start_line <= ref.end_line


MARKDOWN_PIECES = st.sampled_from([
    "# H", "## Phase 2", "### x", "Title", "===", "---", "", " ", "\t", "text `a/b.ts` x",
    "```sql", "```", "~~~", "~~~~ts", "    code", "\tcode", "- item", "  - nested", "1. one",
    "   ```", "> quote", "> ```", "| a | b |", "|---|---|", "| 1 | 2 |",
    "`src/a.ts:12-30`", "see x.ts (lines 3-4)", "[l](src/b.py#L1-L2)", "line 5 of c.go",
    "\ufeff", "<!-- c -->", "***", "a\\", "`", "``", "[", "](", "!",
])
ENDINGS = st.sampled_from(["\n", "\r\n", "\r"])
MARKDOWNISH = st.lists(st.tuples(MARKDOWN_PIECES, st.text(max_size=6), ENDINGS), max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_parses_with_every_line_in_range(text: str) -> None:
    assert_lines_in_range(parse(text))


@settings(max_examples=200, deadline=None)
@given(MARKDOWNISH)
def test_markdownish_text_parses_with_every_line_in_range(
    parts: list[tuple[str, str, str]],
) -> None:
    text = "".join(piece + noise + end for piece, noise, end in parts)
    plan = parse(text)
    assert_lines_in_range(plan)
    assert plan.lines == split_lines(text.removeprefix("\ufeff"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_characters="`~\r\n"), max_size=20), max_size=8),
       ENDINGS)
def test_top_level_fence_content_is_exactly_its_plan_lines(body: list[str], end: str) -> None:
    text = end.join(["# T", "", "```sql", *body, "```", "after"]) + end
    plan = parse(text)
    (block,) = plan.code_blocks
    assert [plan.line(n) for n in range(block.start_line, block.end_line + 1)] == body
