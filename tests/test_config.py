"""Settings precedence: flag > env > file > default, and clear errors for bad config."""

from __future__ import annotations

from pathlib import Path

import pytest

from planreview.config import build_settings
from planreview.errors import UserInputError
from planreview.models import Severity


def _write(root: Path, name: str, text: str) -> None:
    (root / name).write_text(text, encoding="utf-8")


def test_defaults_apply_when_nothing_is_set(tmp_path: Path) -> None:
    s = build_settings({}, {}, tmp_path)
    assert s.engine == "auto"
    assert s.fail_on == "none"
    assert s.reviewers == ("performance", "migration", "indexing", "caching")
    assert not s.use_llm


def test_file_beats_default(tmp_path: Path) -> None:
    _write(tmp_path, "pyproject.toml", '[tool.planreview]\nfail-on = "P2"\n')
    assert build_settings({}, {}, tmp_path).fail_on == "P2"


def test_dotfile_is_preferred_over_pyproject(tmp_path: Path) -> None:
    _write(tmp_path, "pyproject.toml", '[tool.planreview]\nfail_on = "P2"\n')
    _write(tmp_path, ".planreview.toml", 'fail_on = "P3"\n')
    assert build_settings({}, {}, tmp_path).fail_on == "P3"


def test_env_beats_file(tmp_path: Path) -> None:
    _write(tmp_path, ".planreview.toml", 'model = "from-file"\n')
    s = build_settings({}, {"PLANREVIEW_MODEL": "from-env"}, tmp_path)
    assert s.model == "from-env"


def test_flag_beats_env(tmp_path: Path) -> None:
    s = build_settings({"model": "from-flag"}, {"PLANREVIEW_MODEL": "from-env"}, tmp_path)
    assert s.model == "from-flag"


def test_unset_flag_does_not_hide_env(tmp_path: Path) -> None:
    s = build_settings({"model": None}, {"PLANREVIEW_MODEL": "from-env"}, tmp_path)
    assert s.model == "from-env"


def test_base_url_alone_enables_llm_with_placeholder_key(tmp_path: Path) -> None:
    s = build_settings({}, {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}, tmp_path)
    assert s.use_llm
    assert s.api_key is not None and s.api_key.get_secret_value() == "unused"


def test_empty_base_url_means_unset(tmp_path: Path) -> None:
    assert not build_settings({}, {"OPENAI_BASE_URL": ""}, tmp_path).llm_configured


def test_rules_engine_flag_wins_over_a_configured_key(tmp_path: Path) -> None:
    s = build_settings({"engine": "rules"}, {"OPENAI_API_KEY": "sk-test"}, tmp_path)
    assert not s.use_llm


def test_reviewers_accept_a_comma_list(tmp_path: Path) -> None:
    s = build_settings({"reviewers": "migration, indexing"}, {}, tmp_path)
    assert s.reviewers == ("migration", "indexing")


def test_unknown_reviewer_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="unknown reviewer 'security'"):
        build_settings({"reviewers": "security"}, {}, tmp_path)


def test_severity_overrides_and_disable_come_from_the_file(tmp_path: Path) -> None:
    _write(
        tmp_path, ".planreview.toml",
        'disable = ["performance/unbounded-find-many"]\n'
        '[severity]\n"migration/create-index-not-concurrently" = "P1"\n',
    )
    s = build_settings({}, {}, tmp_path)
    assert s.disable == ("performance/unbounded-find-many",)
    assert s.severity == {"migration/create-index-not-concurrently": Severity.P1}


def test_broken_toml_is_a_one_line_user_error(tmp_path: Path) -> None:
    _write(tmp_path, ".planreview.toml", "fail_on = [unclosed\n")
    with pytest.raises(UserInputError, match=r"cannot read config \.planreview\.toml"):
        build_settings({}, {}, tmp_path)


def test_invalid_value_names_the_setting_and_the_file(tmp_path: Path) -> None:
    _write(tmp_path, ".planreview.toml", 'fail_on = "P9"\n')
    expected = r"invalid setting fail_on \(from \.planreview\.toml\)"
    with pytest.raises(UserInputError, match=expected):
        build_settings({}, {}, tmp_path)


def test_unknown_key_in_file_is_rejected(tmp_path: Path) -> None:
    _write(tmp_path, ".planreview.toml", "colour = true\n")
    with pytest.raises(UserInputError, match="invalid setting colour"):
        build_settings({}, {}, tmp_path)


def test_postgres_version_flag_beats_env_beats_file(tmp_path: Path) -> None:
    _write(tmp_path, ".planreview.toml", "postgres-version = 12\n")
    assert build_settings({}, {}, tmp_path).postgres_version == 12
    env = {"PLANREVIEW_POSTGRES_VERSION": "14"}
    assert build_settings({}, env, tmp_path).postgres_version == 14
    assert build_settings({"postgres_version": 16}, env, tmp_path).postgres_version == 16
    assert build_settings({}, {}, tmp_path / "nowhere").postgres_version is None


@pytest.mark.parametrize("raw", ["sixteen", "8", "16.4"])
def test_a_postgres_version_that_is_not_a_major_is_one_clear_error(
    tmp_path: Path, raw: str
) -> None:
    with pytest.raises(UserInputError, match="invalid setting postgres_version"):
        build_settings({}, {"PLANREVIEW_POSTGRES_VERSION": raw}, tmp_path)
