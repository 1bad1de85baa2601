"""The App server's durable job queue (SQLite in the state directory)."""

from __future__ import annotations

from pathlib import Path

from planreview.github.queue import DONE, PENDING, SUPERSEDED, JobQueue, JobSpec


def spec(head: str = "aaa", *, pr: int = 7, plan: str = "", force: bool = False) -> JobSpec:
    return JobSpec(repo="o/r", pr=pr, head_sha=head, plan=plan, installation_id=1,
                   reason="pull_request.synchronize", force=force)


def test_a_delivery_id_is_accepted_once(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path)

    first = queue.accept("d-1", [spec()])
    again = queue.accept("d-1", [spec("bbb")])

    assert first is not None and len(first) == 1
    assert again is None
    assert [j.head_sha for j, _ in queue.jobs()] == ["aaa"]


def test_the_same_key_is_queued_once(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path)

    assert queue.enqueue(spec()) is not None
    assert queue.enqueue(spec()) is None


def test_a_newer_head_supersedes_the_pending_older_one(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path)
    queue.enqueue(spec("old"))
    queue.enqueue(spec("new"))

    states = {job.head_sha: state for job, state in queue.jobs()}

    assert states == {"old": SUPERSEDED, "new": PENDING}


def test_a_newer_head_leaves_other_prs_and_plans_alone(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path)
    queue.enqueue(spec("old", pr=1))
    queue.enqueue(spec("old", plan="docs/plans/a.md"))
    queue.enqueue(spec("new"))

    assert [state for _, state in queue.jobs()] == [PENDING, PENDING, PENDING]


def test_claim_takes_the_oldest_pending_job_once(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path)
    queue.enqueue(spec(pr=1))
    queue.enqueue(spec(pr=2))

    first, second, third = queue.claim(), queue.claim(), queue.claim()

    assert first is not None and second is not None
    assert (first.pr, second.pr, third) == (1, 2, None)


def test_a_job_running_when_the_process_died_is_pending_again_after_restart(
    tmp_path: Path,
) -> None:
    JobQueue(tmp_path).enqueue(spec())
    assert JobQueue(tmp_path).claim() is not None  # the "process" dies here

    restarted = JobQueue(tmp_path)
    put_back = restarted.recover()
    job = restarted.claim()

    assert put_back == 1
    assert job is not None and job.attempts == 2


def test_a_job_that_keeps_crashing_the_server_fails_after_max_attempts(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path, max_attempts=2)
    queue.enqueue(spec())
    for _ in range(2):
        assert queue.claim() is not None
        queue.recover()

    assert queue.claim() is None
    assert queue.counts() == {"failed": 1}


def test_finished_jobs_are_done_and_a_new_push_can_queue_the_same_plan_again(
    tmp_path: Path,
) -> None:
    queue = JobQueue(tmp_path)
    queue.enqueue(spec())
    job = queue.claim()
    assert job is not None
    queue.finish(job.id)

    assert queue.counts() == {DONE: 1}
    assert queue.enqueue(spec()) is not None


def test_a_forced_comment_command_is_queued_beside_an_unforced_push(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path)
    queue.enqueue(spec())

    assert queue.enqueue(spec(force=True)) is not None
    assert queue.enqueue(spec()) is None


def test_delivery_ids_older_than_the_memory_window_are_forgotten(tmp_path: Path) -> None:
    clock = [1_000.0]
    queue = JobQueue(tmp_path, now=lambda: clock[0])
    queue.accept("old", [])
    clock[0] += 100
    queue.accept("recent", [])

    forgotten = queue.forget_deliveries(older_than_s=50)

    assert forgotten == 1
    assert queue.accept("recent", []) is None
    assert queue.accept("old", []) == []
