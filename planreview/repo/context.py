"""Context windows: the cited lines of referenced files, plus context, under a byte budget."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from planreview.models import SkippedReference
from planreview.plan import Reference, split_lines
from planreview.repo.local import LocalRepo
from planreview.repo.model import BUDGET_EXHAUSTED, LoadedFile, Repo, RepoContext, SkipError, Window
from planreview.repo.safety import huge_file, normalize_path

# --- context windows --------------------------------------------------------------------


class _Budget:
    def __init__(self, total: int) -> None:
        self.left = total


@dataclass
class _Source:
    """A referenced file being fitted into the budget: which lines are kept so far."""

    path: str
    text: str

    def __post_init__(self) -> None:
        self.lines = split_lines(self.text)
        self.cost = [len(line.encode("utf-8")) + 1 for line in self.lines]
        self.kept = [False] * len(self.lines)

    def keep(self, order: Iterable[int], budget: _Budget) -> None:
        """Keep lines (0-based) in priority order until one does not fit, so that what
        is kept stays contiguous around the most important line."""
        for index in order:
            if self.kept[index]:
                continue
            if self.cost[index] > budget.left:
                return
            self.kept[index] = True
            budget.left -= self.cost[index]

    def windows(self) -> tuple[Window, ...]:
        found: list[Window] = []
        start: int | None = None
        for index, kept in enumerate([*self.kept, False]):
            if kept and start is None:
                start = index
            elif not kept and start is not None:
                found.append(Window(start + 1, index))
                start = None
        return tuple(found)


def _cited_order(start: int, end: int, count: int, context_lines: int) -> list[int]:
    """0-based line indexes of a cited range clamped to the file: the cited lines first,
    then context lines nearest first, alternating above and below."""
    if end < start:
        start, end = end, start
    first = min(max(start, 1), count) - 1
    last = min(max(end, 1), count) - 1
    order = list(range(first, last + 1))
    for distance in range(1, context_lines + 1):
        if first - distance >= 0:
            order.append(first - distance)
        if last + distance < count:
            order.append(last + distance)
    return order


def load_context(
    repo: Repo, references: list[Reference], *, byte_budget: int, context_lines: int,
    max_file_bytes: int,
) -> RepoContext:
    """Read every referenced file (once, in plan order) and choose its context windows.

    Every cited range is widened by `context_lines` each side and clamped to the file;
    windows are what is kept, merged. The budget caps the bytes of all windows together:
    cited ranges are fitted first, in plan order, then files referenced without lines
    get their head. A file left with no window stays loaded for the rules and is also
    recorded as skipped ("context budget exhausted"), since a model never sees it.
    """
    context = RepoContext()
    sources: dict[str, _Source] = {}
    order: list[tuple[Reference, _Source]] = []
    seen: set[str] = set()
    for ref in references:
        try:
            path, text = _resolve(repo, ref.path, sources, max_file_bytes)
        except SkipError as exc:
            if ref.path not in seen:
                context.skipped.append(SkippedReference(path=ref.path, reason=str(exc)))
            seen.add(ref.path)
            continue
        source = sources.setdefault(path, _Source(path, text))
        order.append((ref, source))

    budget = _Budget(byte_budget)
    for ref, source in order:
        if ref.start_line is not None and source.lines:
            end = ref.end_line if ref.end_line is not None else ref.start_line
            source.keep(_cited_order(ref.start_line, end, len(source.lines), context_lines), budget)
    for ref, source in order:
        if ref.start_line is None:
            source.keep(range(len(source.lines)), budget)

    for source in sources.values():
        windows = source.windows()
        context.files[source.path] = LoadedFile(source.path, source.text, windows)
        if source.lines and not windows:
            context.skipped.append(SkippedReference(path=source.path, reason=BUDGET_EXHAUSTED))
    return context


def _resolve(
    repo: Repo, rel: str, sources: dict[str, _Source], max_file_bytes: int,
) -> tuple[str, str]:
    """(normalized path, text) of a reference's file, read once. The exact size limit
    goes down to repos that take it and is enforced afterwards for those that do not."""
    path = normalize_path(rel)
    if path in sources:
        return path, sources[path].text
    if isinstance(repo, LocalRepo):
        return path, repo.read_text(path, max_bytes=max_file_bytes)
    text = repo.read_text(path)
    size = len(text.encode("utf-8"))
    if size > max_file_bytes:
        raise huge_file(size, max_file_bytes)
    return path, text
