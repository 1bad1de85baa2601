"""Tenancy the code shows: tenant keys that scope data, never a word in passing.

A plan is multi-tenant for the caching rules only when its code or the repository shows
a tenant column or key (`tenantId`, `org_id`, `shopId`, `workspace_id`) that data is
scoped by: a query filters on it, a Prisma model or SQL table declares it. Words such as
"site" (`admin.site`), "store" (a state store) or "team" in prose are not tenancy.
"""

from __future__ import annotations

import re
from functools import lru_cache

from planreview.rules import RuleContext

_WORDS = (
    r"tenant|org|organi[sz]ation|workspace|account|team|shop|store|merchant|company|site"
)
TENANT_KEY = re.compile(
    rf"(?<![\w$])((?:{_WORDS})(?:_id|_slug|Id|ID|Slug))\b|(?<![\w$])(tenant)\b", re.I
)
"""A tenant key as code names it: `tenantId`, `org_id`, `shopSlug`, or plain `tenant`."""


def scope_of(key: str) -> str:
    """`shop_id` -> `shop`, `organizationId` -> `organization`."""
    return re.sub(r"(?i)_?(id|slug)$", "", key).lower()


def tenant_keys(ctx: RuleContext) -> dict[str, str]:
    """Scope word -> the tenant key as first written (`shop` -> `shop_id`), from query
    filters in any code, Prisma fields and SQL the plan or repository holds."""
    found: dict[str, str] = {}
    texts = [q.args for u in ctx.artifacts.code for q in u.queries]
    texts += [s.text for s in ctx.artifacts.sql]
    texts += [" ".join(m.fields) for m in ctx.artifacts.prisma.models.values()]
    for text in texts:
        for key in _keys_in(text):
            found.setdefault(scope_of(key), key)
    return found


@lru_cache(maxsize=4096)
def _keys_in(text: str) -> tuple[str, ...]:
    return tuple(m.group(1) or m.group(2) for m in TENANT_KEY.finditer(text))


def tenant_param(params: str, tenants: dict[str, str]) -> str | None:
    """The parameter (as written) that is one of the shown tenant keys, if any."""
    for m in TENANT_KEY.finditer(params):
        key = m.group(1) or m.group(2)
        if scope_of(key) in tenants:
            return key
    return None


def mentions_tenant(text: str, tenants: dict[str, str]) -> bool:
    """The text names a tenant key (or the tenant word of one) the code shows."""
    low = text.lower()
    return any(scope in low for scope in tenants) or bool(TENANT_KEY.search(text))
