"""Compare a run's totals with an earlier results JSON (`--baseline`).

A regression is weighted recall dropping by more than the recall tolerance
(absolute, default 0.01 — one percentage point, so rounding noise and a rewritten
finding title do not fail CI), or rejected hits rising by more than the rejected
tolerance (a count, default 0: any new piece of noise a good reviewer must not
raise fails). When either side has no weighted recall (no expected findings) the
recall check is skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from planreview.errors import UserInputError

if TYPE_CHECKING:  # the CLI imports this module for its defaults; keep that import cheap
    from planreview.evals.results import Totals

RECALL_TOLERANCE = 0.01
REJECTED_TOLERANCE = 0


@dataclass(frozen=True)
class Regression:
    metric: str
    baseline: float
    current: float

    def __str__(self) -> str:
        return f"{self.metric} {_fmt(self.baseline)} -> {_fmt(self.current)}"


def load_baseline(path: Path) -> Totals:
    """The totals of an earlier results file; UserInputError when it is not one."""
    from planreview.evals.results import Totals

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserInputError(f"baseline {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"cannot read baseline {path}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserInputError(f"baseline {path} is not JSON (line {exc.lineno})") from None
    if not isinstance(data, dict) or "totals" not in data:
        raise UserInputError(f"baseline {path} is not a planreview eval results file (no totals)")
    # Only the totals are compared: validating the case records too would tie old
    # baselines to today's Finding model.
    try:
        return Totals.model_validate(data["totals"])
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(["totals", *(str(p) for p in err["loc"])])
        raise UserInputError(
            f"baseline {path} is not a planreview eval results file ({where}: {err['msg']})"
        ) from None


def compare(
    current: Totals, baseline: Totals, *, recall_tolerance: float = RECALL_TOLERANCE,
    rejected_tolerance: int = REJECTED_TOLERANCE,
) -> list[Regression]:
    regressions: list[Regression] = []
    now, before = current.weighted_recall, baseline.weighted_recall
    # A tiny epsilon keeps float rounding (0.7 - 0.69) from turning "exactly the
    # tolerance" into a regression.
    if now is not None and before is not None and before - now > recall_tolerance + 1e-9:
        regressions.append(Regression("weighted_recall", before, now))
    if current.rejected_hits - baseline.rejected_hits > rejected_tolerance:
        regressions.append(
            Regression("rejected_hits", baseline.rejected_hits, current.rejected_hits)
        )
    return regressions


def _fmt(value: float) -> str:
    return str(value) if float(value).is_integer() else f"{value:.3f}"
