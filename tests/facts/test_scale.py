"""Stated scale per table, in numbers and in words."""

from __future__ import annotations

from planreview.facts.scale import StatedScale, stated_scale
from planreview.plan import parse_plan


def scale_of(text: str) -> StatedScale:
    return stated_scale(parse_plan(text, "docs/plans/p.md"))


def test_no_real_users_means_there_is_no_data_yet() -> None:
    scale = scale_of(
        "# Booking refactor\n\n"
        "Context: NO real users - all demo data, clean cutover. We can drop and recreate.\n"
    )
    assert scale.no_real_data is not None
    assert scale.no_real_data.line == 3
    assert scale.size_of("bookings") == "empty"
    assert scale.is_small("bookings")


def test_about_a_hundred_rows_of_a_named_table_is_tiny() -> None:
    scale = scale_of("The `service_areas` table has about 100 rows.\n")
    assert scale.size_of("service_areas") == "tiny"
    [fact] = scale.for_table("ServiceArea")
    assert fact.rows == 100
    assert fact.phrase == "100 rows"


def test_tens_of_rows_per_tenant_is_tiny_per_tenant() -> None:
    scale = scale_of("`tenant_settings` holds tens of rows per tenant.\n")
    [fact] = scale.for_table("tenant_settings")
    assert (fact.size, fact.per) == ("tiny", "tenant")
    assert scale.size_of("tenant_settings") == "tiny"


def test_a_handful_per_tenant_is_tiny() -> None:
    scale = scale_of("Each tenant has a handful of `Webhook` rows per tenant at most.\n")
    assert scale.size_of("webhooks") == "tiny"


def test_a_table_called_tiny_is_tiny() -> None:
    assert scale_of("`feature_flags` is tiny (one row per flag).\n").size_of("feature_flags") \
        == "tiny"


def test_ten_million_plus_rows_is_large() -> None:
    scale = scale_of("| table | notes |\n|---|---|\n| x | y |\n\n`pos_orders` has 10M+ rows.\n")
    assert scale.size_of("pos_orders") == "large"
    [fact] = scale.for_table("pos_orders")
    assert fact.rows == 10_000_000
    assert fact.phrase == "10M+ rows"
    assert fact.describe() == "pos_order ~10,000,000 rows (plan line 5: '10M+ rows')"


def test_twelve_thousand_published_articles_count_articles() -> None:
    scale = scale_of("We serve 12,000 published articles today.\n")
    assert scale.size_of("articles") == "small"
    assert scale.for_table("published") == ()


def test_millions_of_rows_in_words_is_large() -> None:
    assert scale_of("The `events` table has millions of rows.\n").size_of("events") == "large"


def test_a_stated_total_outranks_a_small_per_tenant_figure() -> None:
    scale = scale_of(
        "`invoices`: about 20 rows per tenant.\n\nIn total `invoices` holds 2M rows.\n"
    )
    assert scale.size_of("invoices") == "large"


def test_a_table_nobody_sized_is_unknown() -> None:
    assert scale_of("We add a column to `orders`.\n").size_of("orders") == "unknown"


def test_scale_words_inside_code_blocks_are_not_statements() -> None:
    scale = scale_of("```ts\n// tiny helper\nconst fewRows = rows.slice(0, 3);\n```\n")
    assert scale.facts == ()
    assert scale.no_real_data is None


def test_a_few_changes_or_tens_of_seconds_are_not_row_counts() -> None:
    scale = scale_of("A few changes to `orders` handling; the job takes tens of seconds.\n")
    assert scale.for_table("orders") == ()


def test_real_users_mentioned_without_no_are_not_a_no_data_statement() -> None:
    scale = scale_of("Real users hit `orders` 50 times a second; no downtime is acceptable.\n")
    assert scale.no_real_data is None
