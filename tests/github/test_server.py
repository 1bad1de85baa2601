"""The App server: signed webhooks in, queued jobs, one worker; a fake GitHub behind it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from planreview.errors import UserInputError
from planreview.github.api import DEFAULT_API_URL, GitHubError
from planreview.github.queue import Job
from planreview.github.server import ServerConfig, create_app, web_url_for
from tests.github.app_kit import (
    SECRET,
    app_keys,
    comment_event,
    delivery,
    install_app_with_pull,
    pull_request_event,
)
from tests.github.fake_github import FakeGitHub

PLAN = """# Orders plan

## Migration

```sql
CREATE INDEX orders_customer_idx ON orders (customer_id);
```
"""


class Recorder:
    """A runner that records the jobs it was given."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def __call__(self, job: Job) -> None:
        self.jobs.append(job)


def make_config(state: Path, api_url: str = "http://127.0.0.1:9") -> ServerConfig:
    return ServerConfig.from_env({
        "PLANREVIEW_WEBHOOK_SECRET": SECRET, "PLANREVIEW_APP_ID": "123",
        "PLANREVIEW_PRIVATE_KEY": app_keys()[0], "PLANREVIEW_STATE_DIR": str(state),
        "PLANREVIEW_GITHUB_API_URL": api_url,
    })


def post(client: TestClient, event: str, payload: dict[str, object],
         delivery_id: str | None = None) -> tuple[int, dict[str, object]]:
    body, headers = delivery(event, payload, delivery_id=delivery_id)
    response = client.post("/webhook", content=body, headers=headers)
    return response.status_code, response.json()


def test_a_forged_signature_gets_401_and_queues_nothing(tmp_path: Path) -> None:
    recorder = Recorder()
    app = create_app(make_config(tmp_path), runner=recorder, start_worker=False)
    body, headers = delivery("pull_request", pull_request_event(), secret="not-the-secret")

    with TestClient(app) as client:
        response = client.post("/webhook", content=body, headers=headers)
        ran = app.state.worker.drain()

    assert response.status_code == 401
    assert (ran, recorder.jobs, app.state.queue.jobs()) == (0, [], [])


def test_a_body_over_githubs_payload_cap_is_refused_before_anything_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("planreview.github.server.MAX_BODY_BYTES", 1_000)
    app = create_app(make_config(tmp_path), runner=Recorder(), start_worker=False)
    payload = pull_request_event(title="x" * 2_000)
    body, headers = delivery("pull_request", payload)

    with TestClient(app) as client:
        response = client.post("/webhook", content=body, headers=headers)

    assert response.status_code == 413
    assert app.state.queue.jobs() == []


def test_an_unsigned_delivery_gets_401(tmp_path: Path) -> None:
    app = create_app(make_config(tmp_path), runner=Recorder(), start_worker=False)
    body, headers = delivery("pull_request", pull_request_event())
    del headers["X-Hub-Signature-256"]

    with TestClient(app) as client:
        assert client.post("/webhook", content=body, headers=headers).status_code == 401


def test_a_pull_request_event_is_acknowledged_with_202_and_run_by_the_worker(
    tmp_path: Path,
) -> None:
    recorder = Recorder()
    app = create_app(make_config(tmp_path), runner=recorder, start_worker=False)

    with TestClient(app) as client:
        status, answer = post(client, "pull_request", pull_request_event(head="h1"))
        app.state.worker.drain()

    assert (status, answer["status"]) == (202, "queued")
    assert [(j.repo, j.pr, j.head_sha) for j in recorder.jobs] == [("o/r", 7, "h1")]


def test_a_redelivered_delivery_id_runs_once(tmp_path: Path) -> None:
    recorder = Recorder()
    app = create_app(make_config(tmp_path), runner=recorder, start_worker=False)

    with TestClient(app) as client:
        first = post(client, "pull_request", pull_request_event(), delivery_id="d-1")
        app.state.worker.drain()
        again = post(client, "pull_request", pull_request_event(), delivery_id="d-1")
        app.state.worker.drain()

    assert first[0] == again[0] == 202
    assert again[1] == {"status": "duplicate"}
    assert len(recorder.jobs) == 1


def test_two_quick_pushes_run_only_the_newest_head(tmp_path: Path) -> None:
    recorder = Recorder()
    app = create_app(make_config(tmp_path), runner=recorder, start_worker=False)

    with TestClient(app) as client:
        post(client, "pull_request", pull_request_event("synchronize", head="older"))
        post(client, "pull_request", pull_request_event("synchronize", head="newest"))
        app.state.worker.drain()

    assert [j.head_sha for j in recorder.jobs] == ["newest"]


def test_ignored_events_are_acknowledged_and_run_nothing(tmp_path: Path) -> None:
    recorder = Recorder()
    app = create_app(make_config(tmp_path), runner=recorder, start_worker=False)

    with TestClient(app) as client:
        answers = [
            post(client, "pull_request", pull_request_event(draft=True)),
            post(client, "pull_request", pull_request_event(sender_type="Bot")),
            post(client, "issue_comment", comment_event("/planreview", association="NONE")),
        ]
        app.state.worker.drain()

    assert [(status, a["status"]) for status, a in answers] == [(202, "ignored")] * 3
    assert recorder.jobs == []


def test_a_job_in_flight_when_the_server_died_finishes_after_restart(tmp_path: Path) -> None:
    first = create_app(make_config(tmp_path), runner=Recorder(), start_worker=False)
    with TestClient(first) as client:
        post(client, "pull_request", pull_request_event(head="h1"))
    assert first.state.queue.claim() is not None  # taken by the worker, then the crash

    recorder = Recorder()
    restarted = create_app(make_config(tmp_path), runner=recorder, start_worker=False)
    with TestClient(restarted):  # startup puts interrupted jobs back
        restarted.state.worker.drain()

    assert [j.head_sha for j in recorder.jobs] == ["h1"]
    assert restarted.state.queue.counts() == {"done": 1}


def test_a_pending_job_survives_a_restart(tmp_path: Path) -> None:
    first = create_app(make_config(tmp_path), runner=Recorder(), start_worker=False)
    with TestClient(first) as client:
        post(client, "pull_request", pull_request_event(head="h1"))

    recorder = Recorder()
    restarted = create_app(make_config(tmp_path), runner=recorder, start_worker=False)
    with TestClient(restarted):
        restarted.state.worker.drain()

    assert [j.head_sha for j in recorder.jobs] == ["h1"]


def test_a_failing_job_is_recorded_and_the_next_one_still_runs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[int] = []

    def runner(job: Job) -> None:
        seen.append(job.pr)
        if job.pr == 1:
            raise GitHubError("GET", "/repos/o/r/pulls/1", 502, "Bad Gateway")
        if job.pr == 2:
            raise RuntimeError("a bug in planreview")

    app = create_app(make_config(tmp_path), runner=runner, start_worker=False)
    with TestClient(app) as client:
        for number in (1, 2, 3):
            post(client, "pull_request", pull_request_event(number=number))
        app.state.worker.drain()

    assert seen == [1, 2, 3]
    assert app.state.queue.counts() == {"failed": 2, "done": 1}
    assert "RuntimeError: a bug in planreview" in caplog.text  # the traceback is kept


def test_healthz_answers_with_queue_counts(tmp_path: Path) -> None:
    app = create_app(make_config(tmp_path), runner=Recorder(), start_worker=False)

    with TestClient(app) as client:
        post(client, "pull_request", pull_request_event())
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "jobs": {"pending": 1}}


def test_the_server_refuses_to_start_without_a_webhook_secret(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="PLANREVIEW_WEBHOOK_SECRET"):
        ServerConfig.from_env({"PLANREVIEW_APP_ID": "1", "PLANREVIEW_STATE_DIR": str(tmp_path)})


def test_a_bad_private_key_is_refused_without_echoing_it(tmp_path: Path) -> None:
    with pytest.raises(UserInputError) as caught:
        ServerConfig.from_env({
            "PLANREVIEW_WEBHOOK_SECRET": SECRET, "PLANREVIEW_APP_ID": "1",
            "PLANREVIEW_PRIVATE_KEY": "-----BEGIN RSA PRIVATE KEY-----\nhunter2\n",
        })

    assert "hunter2" not in str(caught.value)


def test_the_private_key_can_come_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "app.pem"
    key_file.write_text(app_keys()[0], encoding="utf-8")

    config = ServerConfig.from_env({
        "PLANREVIEW_WEBHOOK_SECRET": SECRET, "PLANREVIEW_APP_ID": "1",
        "PLANREVIEW_PRIVATE_KEY_FILE": str(key_file), "PLANREVIEW_STATE_DIR": str(tmp_path),
    })

    assert config.private_key == app_keys()[0]
    assert app_keys()[0] not in repr(config) and SECRET not in repr(config)


def test_the_web_host_follows_the_api_url() -> None:
    # The public API's web host, without naming a real host in the tests.
    assert web_url_for(DEFAULT_API_URL) == DEFAULT_API_URL.replace("://api.", "://")
    assert web_url_for("https://ghe.example.com/api/v3") == "https://ghe.example.com"


# --- end to end: the App reviews a PR on the fake GitHub ----------------------------------


def test_the_app_reviews_a_pull_request_as_its_installation(
    tmp_path: Path, github: FakeGitHub, caplog: pytest.LogCaptureFixture,
) -> None:
    install_app_with_pull(github, PLAN, files=("docs/plans/x.md", "src/a.ts"))
    app = create_app(make_config(tmp_path / "state", github.url), start_worker=False)
    caplog.set_level(logging.DEBUG)

    with TestClient(app) as client:
        status, _ = post(client, "pull_request",
                         pull_request_event(head="h1", title="secret-title-7f3a"))
        app.state.worker.drain()

    assert status == 202
    assert [c["user"]["login"] for c in github.comments] == ["planreview-test[bot]"]
    assert "planreview:plan=docs/plans/x.md" in github.comments[0]["body"]
    assert len(github.check_runs) == 1 and github.check_runs[0]["head_sha"] == "h1"
    assert github.installation_tokens == [
        {"installation": 42, "request": {"repositories": ["r"]}}
    ]
    assert app.state.queue.counts() == {"done": 1}
    logs = caplog.text
    for secret in ("ghs_installation_0", SECRET, "PRIVATE KEY", "secret-title-7f3a"):
        assert secret not in logs


def test_a_second_push_edits_the_apps_comment_in_place(
    tmp_path: Path, github: FakeGitHub,
) -> None:
    install_app_with_pull(github, PLAN)
    github.commits["h2"] = {"docs/plans/x.md": PLAN + "\nMore detail.\n"}
    app = create_app(make_config(tmp_path / "state", github.url), start_worker=False)

    with TestClient(app) as client:
        post(client, "pull_request", pull_request_event(head="h1"))
        app.state.worker.drain()
        github.add_pull(7, head="h2", base="b1", files=["docs/plans/x.md"])
        post(client, "pull_request", pull_request_event("synchronize", head="h2"))
        app.state.worker.drain()

    assert len(github.comments) == 1
    assert [w.method for w in github.comment_writes()] == ["POST", "PATCH"]
    assert [run["head_sha"] for run in github.check_runs] == ["h1", "h2"]


def test_a_job_for_a_head_that_moved_on_is_skipped(tmp_path: Path, github: FakeGitHub) -> None:
    install_app_with_pull(github, PLAN, head="h2")
    app = create_app(make_config(tmp_path / "state", github.url), start_worker=False)

    with TestClient(app) as client:
        post(client, "pull_request", pull_request_event("synchronize", head="h1"))
        app.state.worker.drain()

    assert github.comments == [] and github.check_runs == []
    assert app.state.queue.counts() == {"done": 1}


def test_a_planreview_command_re_reviews_an_unchanged_plan_but_a_reopen_does_not(
    tmp_path: Path, github: FakeGitHub,
) -> None:
    install_app_with_pull(github, PLAN)
    app = create_app(make_config(tmp_path / "state", github.url), start_worker=False)

    with TestClient(app) as client:
        post(client, "pull_request", pull_request_event(head="h1"))
        app.state.worker.drain()
        post(client, "pull_request", pull_request_event("reopened", head="h1"))
        app.state.worker.drain()
        writes_after_reopen = len(github.comment_writes())
        post(client, "issue_comment", comment_event("/planreview"))
        app.state.worker.drain()

    titles = [run["output"]["title"] for run in github.check_runs]
    assert writes_after_reopen == 1
    assert [w.method for w in github.comment_writes()] == ["POST", "PATCH"]
    assert titles[1] == "Unchanged since the last review"
    assert titles[2] != "Unchanged since the last review"


def test_the_app_works_against_an_enterprise_server_api_path(
    tmp_path: Path, github: FakeGitHub,
) -> None:
    # 100 other files first: the plan is only on the second page of the PR's files.
    files = (*(f"src/f{i}.ts" for i in range(100)), "docs/plans/x.md")
    install_app_with_pull(github, PLAN, files=files)
    github.prefix = "/api/v3"
    app = create_app(make_config(tmp_path / "state", github.url + "/api/v3"),
                     start_worker=False)

    with TestClient(app) as client:
        post(client, "pull_request", pull_request_event(head="h1"))
        app.state.worker.drain()

    assert app.state.queue.counts() == {"done": 1}
    assert len(github.comments) == 1 and len(github.check_runs) == 1
