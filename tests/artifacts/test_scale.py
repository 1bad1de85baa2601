"""Stated scale: the row and entity counts a plan states, and lookups by table name."""

from __future__ import annotations

import pytest

from planreview.artifacts.scale import entity_key, stated_scale
from planreview.plan import parse_plan


def scale_of(text: str):  # type: ignore[no-untyped-def]
    return stated_scale(parse_plan(text, "p.md"))


@pytest.mark.parametrize(
    ("text", "entity", "count"),
    [
        ("Scale: <1000 packages, <10000 bookings.", "booking", 10_000),
        ("Scale: <1000 packages, <10000 bookings.", "package", 1_000),
        ("The events table has 2M rows.", "row", 2_000_000),
        ("~50k tenants today", "tenant", 50_000),
        ("about 10 million orders", "order", 10_000_000),
        ("1.2B events per year", "event", 1_200_000_000),
        ("1,500,000 TierAddOns", "tier_add_on", 1_500_000),
    ],
)
def test_counts_followed_by_their_entity_are_stated(text: str, entity: str, count: int) -> None:
    assert scale_of(text).counts[entity] == count


def test_durations_sizes_and_limits_are_not_entities() -> None:
    scale = scale_of("Timeout 5 seconds, 2000 chars, 120000 ms, 4096 tokens, 3 phases, 2 m away")
    assert scale.counts == {}
    assert scale.max is None


def test_the_largest_statement_wins_and_its_line_is_kept() -> None:
    scale = scale_of("We have 500 bookings now.\nWe expect 2M bookings next year.\n")
    assert scale.counts["booking"] == 2_000_000
    assert scale.lines["booking"] == 2
    assert scale.max == 2_000_000


def test_rows_for_matches_model_and_table_spellings() -> None:
    scale = scale_of("<10000 bookings and 200k tier_add_ons")
    assert scale.rows_for("Booking") == 10_000
    assert scale.rows_for('"Booking"') == 10_000
    assert scale.rows_for("TierAddOn") == 200_000
    assert scale.rows_for("Payment") is None


def test_large_and_small_tables() -> None:
    scale = scale_of("<1000 packages, 2M orders")
    assert scale.is_large("Order") and not scale.is_small("Order")
    assert scale.is_small("Package") and not scale.is_large("Package")
    assert not scale.is_large("Unknown") and not scale.is_small("Unknown")


def test_entity_keys_are_singular_snake_case() -> None:
    assert entity_key("Categories") == "category"
    assert entity_key("TierAddOns") == "tier_add_on"
    assert entity_key("addresses") == "address"


def test_rows_figures_belong_to_the_table_named_before_them() -> None:
    scale = scale_of("`orders`: ~8.5M rows, ~2.1 GB\n`WebhookDelivery` has ~15M rows\n")
    assert scale.rows_for("orders") == 8_500_000
    assert scale.rows_for("WebhookDelivery") == 15_000_000


def test_markdown_tables_with_a_rows_column_state_counts() -> None:
    scale = scale_of(
        "| table | rows | size |\n|---|---|---|\n| messages | ~1.2B live | 410 GB |\n"
        "| conversations | ~60M | 6 GB |\n"
    )
    assert scale.rows_for("messages") == 1_200_000_000
    assert scale.rows_for("conversations") == 60_000_000
    assert scale.lines["conversation"] == 4


def test_a_count_reaches_the_noun_after_its_adjectives() -> None:
    scale = stated_scale(parse_plan("We serve ~12,000 published articles and 500 active tenants.\n",
                                    "plan.md"))
    assert scale.rows_for("article") == 12_000
    assert scale.rows_for("tenants") == 500


def test_a_count_does_not_jump_over_a_preposition() -> None:
    scale = stated_scale(parse_plan("We have 800 packages with bookings attached.\n", "plan.md"))
    assert scale.rows_for("booking") is None


def test_a_rows_cell_stating_a_bound_states_the_count() -> None:
    plan = parse_plan(
        "| table | rows | growth |\n|---|---|---|\n"
        "| Package | <1,000 (≤ 3 active per segment in practice) | |\n"
        "| Booking | <10,000 | ~900/month |\n| Tier | up to 3,000 | |\n| Note | n/a | |\n",
        "p.md",
    )
    scale = stated_scale(plan)
    assert scale.rows_for("Package") == 1000
    assert scale.rows_for("Booking") == 10000
    assert scale.rows_for("Tier") == 3000
    assert scale.rows_for("Note") is None
