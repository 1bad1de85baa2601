"""Plan facts: what a plan states about its context, computed once before any rule.

- `roles`: each code block's role (proposed, current, rejected, example, test,
  dev-only, seed) with the heading, label or line that decided it;
- `dialect`: the SQL dialect of the repository, of the plan's words and of each block;
- `scale`: stated scale per table, in numbers and words, and "no real data yet";
- `schema_delta`: tables and columns the plan creates vs those that exist;
- `environment`: the deployment environment a script targets;
- `plan_facts`: `PlanFacts` and `compute_facts(plan, repo_files)`;
- `files`: `facts_files(repo, context)`, the repository files facts are read from.
"""

from planreview.facts.dialect import Dialect, DialectFact
from planreview.facts.environment import Environment, EnvironmentFact
from planreview.facts.files import facts_files
from planreview.facts.plan_facts import PlanFacts, compute_facts
from planreview.facts.roles import BlockRole, BlockRoleFact, RoleEvidence
from planreview.facts.scale import ScaleFact, SizeClass, StatedScale
from planreview.facts.schema_delta import SchemaDelta, SchemaObject

__all__ = [
    "BlockRole",
    "BlockRoleFact",
    "Dialect",
    "DialectFact",
    "Environment",
    "EnvironmentFact",
    "PlanFacts",
    "RoleEvidence",
    "ScaleFact",
    "SchemaDelta",
    "SchemaObject",
    "SizeClass",
    "StatedScale",
    "compute_facts",
    "facts_files",
]
