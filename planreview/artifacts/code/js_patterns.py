"""The regular expressions the TypeScript/JavaScript scanner matches over masked source."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from planreview.artifacts.code.model import PRISMA_METHODS
from planreview.artifacts.code.scanner import (
    IDENT_CHAIN,
)

if TYPE_CHECKING:
    pass



# --- TypeScript / JavaScript -------------------------------------------------------------

PRISMA_CALL = re.compile(
    rf"(?<![\w$.])({IDENT_CHAIN})\.([A-Za-z_$][\w$]*)\.({PRISMA_METHODS})\s*\("
)
PRISMA_CLIENT = re.compile(
    r"(?i)(^|\.)(prisma\w*|\w*prisma|tx|trx|transaction|db|client|database)$"
)
RAW_CALL = re.compile(
    rf"(?<![\w$.])({IDENT_CHAIN})\.\$(queryRawUnsafe|queryRaw|executeRawUnsafe|executeRaw)"
    r"\s*(\(|`)"
)
DRIZZLE_CALL = re.compile(
    r"(?<![\w$.])((?:this\.)?(?:db|tx|trx|database))\.(select|selectDistinct|insert|update|delete)"
    r"\s*\("
)
TYPEORM_CALL = re.compile(
    r"(?<![\w$.])((?:this\.)?[\w$]*(?:Repository|repository|Repo|repo))\.(find|findBy|findOne|"
    r"findOneBy|findAndCount|findAndCountBy|count|countBy|exists|save|insert|update|delete|remove|"
    r"upsert)\s*\("
)
TX_CALL = re.compile(rf"(?<![\w$.])({IDENT_CHAIN})\.\$?transaction\s*\(")
FOR = re.compile(r"(?<![\w$.])for\s*(await\s*)?\(")
WHILE = re.compile(r"(?<![\w$.])while\s*\(")
_DO = re.compile(r"(?<![\w$.])do\s*\{")
ITER_CALL = re.compile(r"\??\.\s*(forEach|map|flatMap|filter|reduce|some|every|find)\s*\(")
_FUNCTION = re.compile(r"(?<![\w$.])(async\s+)?function\b\s*\*?\s*([\w$]*)\s*(?:<[^>(]*>)?\s*\(")
METHOD = re.compile(
    r"(?m)^[ \t]*((?:(?:public|private|protected|static|readonly|override|async|get|set)\s+)*)"
    r"([A-Za-z_$][\w$]*)\s*(?:<[^>\n]*>)?\s*\("
)
ARROW = re.compile(r"=>")
# `): Promise<{ ok: boolean }> =>`: the return type between the parameters and the arrow.
RETURN_TYPE = re.compile(r"\)\s*:[^;=(){}]*(?:\{[^{}]*\}[^;=(){}]*)?\s*$")
AWAIT = re.compile(r"(?<![\w$.])await\s+")
PROMISE_ALL = re.compile(r"(?<![\w$.])Promise\s*\.\s*(all|allSettled)\s*\(")
NEW_CACHE = re.compile(
    r"(?<![\w$.])new\s+(LRUCache|LRU|QuickLRU|NodeCache|TTLCache|Keyv|Map)\b\s*"
)
CACHE_METHOD = re.compile(
    rf"(?<![\w$.])({IDENT_CHAIN})\.(get|set|setex|delete|del|unlink|clear|reset|keys|mget|hget|"
    r"hset|purgeStale)\s*\("
)
CACHE_NAME = re.compile(r"(?i)(cache|redis|kv|memo)")
# Project helpers around a cache client: getJson(key), setCached(key, value, ttlSeconds).
CACHE_HELPER = re.compile(
    r"(?<![\w$.])((?:get|set|read|write|put)(?:Json|Cached?|FromCache|ToCache|Redis)[\w$]*|"
    r"cache(?:Get|Set|Read|Write|Put)[\w$]*)\s*(?:<[^<>()]*>)?\s*\("
)
UNSTABLE_CACHE = re.compile(r"(?<![\w$.])(unstable_cache|cache)\s*\(")
REVALIDATE_EXPORT = re.compile(
    r"(?m)^\s*export\s+const\s+revalidate\s*(?::\s*\w+\s*)?=\s*([^;\n]+)"
)
REVALIDATE_CALL = re.compile(r"(?<![\w$.])(revalidatePath|revalidateTag|updateTag)\s*\(")
INVALIDATE_CALL = re.compile(
    r"(?<![\w$])(invalidate[\w$]*|(?:clear|bust|purge|evict|flush)[\w$]*Cache[\w$]*)\s*\("
)
CONST = re.compile(
    r"(?m)(?:const|let|var|readonly|static)\s+([A-Za-z_$][\w$]*)\s*(?::[^=\n]+)?=\s*([^;\n]+)"
)
ASSIGN_BEFORE = re.compile(
    r"(?:(?:const|let|var)\s+([\w$]+|\{[^}]*\}|\[[^\]]*\])\s*(?::[^=]+)?|"
    r"((?:this\.)?[\w$]+(?:\.[\w$]+)*))\s*=\s*$"
)


