"""The regular expressions the TypeScript/JavaScript scanner matches over masked source."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from planreview.artifacts.code.model import _PRISMA_METHODS
from planreview.artifacts.code.scanner import (
    _IDENT_CHAIN,
)

if TYPE_CHECKING:
    pass



# --- TypeScript / JavaScript -------------------------------------------------------------

_PRISMA_CALL = re.compile(
    rf"(?<![\w$.])({_IDENT_CHAIN})\.([A-Za-z_$][\w$]*)\.({_PRISMA_METHODS})\s*\("
)
_PRISMA_CLIENT = re.compile(
    r"(?i)(^|\.)(prisma\w*|\w*prisma|tx|trx|transaction|db|client|database)$"
)
_RAW_CALL = re.compile(
    rf"(?<![\w$.])({_IDENT_CHAIN})\.\$(queryRawUnsafe|queryRaw|executeRawUnsafe|executeRaw)"
    r"\s*(\(|`)"
)
_DRIZZLE_CALL = re.compile(
    r"(?<![\w$.])((?:this\.)?(?:db|tx|trx|database))\.(select|selectDistinct|insert|update|delete)"
    r"\s*\("
)
_TYPEORM_CALL = re.compile(
    r"(?<![\w$.])((?:this\.)?[\w$]*(?:Repository|repository|Repo|repo))\.(find|findBy|findOne|"
    r"findOneBy|findAndCount|findAndCountBy|count|countBy|exists|save|insert|update|delete|remove|"
    r"upsert)\s*\("
)
_TX_CALL = re.compile(rf"(?<![\w$.])({_IDENT_CHAIN})\.\$?transaction\s*\(")
_FOR = re.compile(r"(?<![\w$.])for\s*(await\s*)?\(")
_WHILE = re.compile(r"(?<![\w$.])while\s*\(")
_DO = re.compile(r"(?<![\w$.])do\s*\{")
_ITER_CALL = re.compile(r"\??\.\s*(forEach|map|flatMap|filter|reduce|some|every|find)\s*\(")
_FUNCTION = re.compile(r"(?<![\w$.])(async\s+)?function\b\s*\*?\s*([\w$]*)\s*(?:<[^>(]*>)?\s*\(")
_METHOD = re.compile(
    r"(?m)^[ \t]*((?:(?:public|private|protected|static|readonly|override|async|get|set)\s+)*)"
    r"([A-Za-z_$][\w$]*)\s*(?:<[^>\n]*>)?\s*\("
)
_ARROW = re.compile(r"=>")
# `): Promise<{ ok: boolean }> =>`: the return type between the parameters and the arrow.
_RETURN_TYPE = re.compile(r"\)\s*:[^;=(){}]*(?:\{[^{}]*\}[^;=(){}]*)?\s*$")
_AWAIT = re.compile(r"(?<![\w$.])await\s+")
_PROMISE_ALL = re.compile(r"(?<![\w$.])Promise\s*\.\s*(all|allSettled)\s*\(")
_NEW_CACHE = re.compile(
    r"(?<![\w$.])new\s+(LRUCache|LRU|QuickLRU|NodeCache|TTLCache|Keyv|Map)\b\s*"
)
_CACHE_METHOD = re.compile(
    rf"(?<![\w$.])({_IDENT_CHAIN})\.(get|set|setex|delete|del|unlink|clear|reset|keys|mget|hget|"
    r"hset|purgeStale)\s*\("
)
_CACHE_NAME = re.compile(r"(?i)(cache|redis|kv|memo)")
# Project helpers around a cache client: getJson(key), setCached(key, value, ttlSeconds).
_CACHE_HELPER = re.compile(
    r"(?<![\w$.])((?:get|set|read|write|put)(?:Json|Cached?|FromCache|ToCache|Redis)[\w$]*|"
    r"cache(?:Get|Set|Read|Write|Put)[\w$]*)\s*(?:<[^<>()]*>)?\s*\("
)
_UNSTABLE_CACHE = re.compile(r"(?<![\w$.])(unstable_cache|cache)\s*\(")
_REVALIDATE_EXPORT = re.compile(
    r"(?m)^\s*export\s+const\s+revalidate\s*(?::\s*\w+\s*)?=\s*([^;\n]+)"
)
_REVALIDATE_CALL = re.compile(r"(?<![\w$.])(revalidatePath|revalidateTag|updateTag)\s*\(")
_INVALIDATE_CALL = re.compile(
    r"(?<![\w$])(invalidate[\w$]*|(?:clear|bust|purge|evict|flush)[\w$]*Cache[\w$]*)\s*\("
)
_CONST = re.compile(
    r"(?m)(?:const|let|var|readonly|static)\s+([A-Za-z_$][\w$]*)\s*(?::[^=\n]+)?=\s*([^;\n]+)"
)
_ASSIGN_BEFORE = re.compile(
    r"(?:(?:const|let|var)\s+([\w$]+|\{[^}]*\}|\[[^\]]*\])\s*(?::[^=]+)?|"
    r"((?:this\.)?[\w$]+(?:\.[\w$]+)*))\s*=\s*$"
)


