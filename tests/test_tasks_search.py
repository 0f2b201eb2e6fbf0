"""Text search in the Django Tasks backend: rows the real framework and db_worker wrote."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync

from queues.backends.errors import BackendUnavailable, QueueNotFound
from queues.backends.types import JobPage, JobQuery, SearchScope
from queues.states import JobState
from tests import sample_tasks
from tests.contract import ContractEnv
from tests.fixtures_tasks import TASKS_BACKEND, run_worker

pytestmark = pytest.mark.django_db(transaction=True)

W, D, A, C, F = (
    JobState.WAITING,
    JobState.DELAYED,
    JobState.ACTIVE,
    JobState.COMPLETED,
    JobState.FAILED,
)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def search(
    backend: Any,
    queue: str,
    state: JobState,
    text: str,
    *,
    page: int = 1,
    per_page: int = 20,
    scan_limit: int = 10_000,
) -> JobPage:
    query = JobQuery(queue, state, page, per_page, text=text, scan_limit=scan_limit)
    return async_to_sync(backend.list_jobs)(query)


def ids(page: JobPage) -> list[str]:
    return [job.id for job in page.jobs]


def expected(
    backend: Any, queue: str, state: JobState, text: str, limit: int = 10_000
) -> list[str]:
    """The matches as the board shows the jobs: id, task path, data text, and a failed job's
    failure (exception class path and traceback); letters A-Z match either case."""
    listed = async_to_sync(backend.list_jobs)(JobQuery(queue, state, 1, 10_000)).jobs[:limit]
    needle = text.translate(_ASCII_LOWER)
    found = []
    for job in listed:
        detail = async_to_sync(backend.get_job)(queue, job.id)
        facts = dict(detail.extra)
        fields = [job.id, facts["Task path"], job.data.text]
        if state is F:
            fields += [facts.get("Exception", ""), *detail.stacktrace]
        if any(needle in field.translate(_ASCII_LOWER) for field in fields):
            found.append(job.id)
    return found


def on(task: Any, queue: str = "search", **using: Any) -> Any:
    return task.using(queue_name=queue, **using)


#: The waiting jobs of queue "search" by label: LIKE's special characters in their data.
_HOSTILE = (
    "percent", "no_percent", "underscore", "no_underscore", "quote", "backslash", "script",
    "customer", "add",
)  # fmt: skip


@pytest.fixture
def hostile(tasks_backend: Any) -> dict[str, str]:
    echo = on(sample_tasks.echo)
    made = [
        echo.enqueue("100%"),
        echo.enqueue("100x"),
        echo.enqueue("a_b"),
        echo.enqueue("axb"),
        echo.enqueue("it's"),
        echo.enqueue("back\\slash"),
        echo.enqueue(note="<script>alert(1)</script>"),
        echo.enqueue(customer="ACME-Corp"),
        on(sample_tasks.add).enqueue(3, 4),
    ]
    return {label: str(result.id) for label, result in zip(_HOSTILE, made, strict=True)}


def test_declares_search(tasks_backend: Any) -> None:
    assert tasks_backend.supports_search is True
    assert tasks_backend.capabilities()["search"] is True


def test_matches_by_name_in_the_whole_task_path(
    tasks_contract_env: ContractEnv, hostile: dict[str, str]
) -> None:
    backend = tasks_contract_env.backend
    waiting = tasks_contract_env.ids[W]  # echo("last"), add(2, 2), echo(note=...), add(1, 1)
    found = search(backend, "contract", W, "ECH")
    assert ids(found) == [waiting[0], waiting[2]]
    assert (found.total, found.searched) == (2, SearchScope(scanned=4, in_state=4))
    assert found.searched is not None and found.searched.complete
    assert ids(search(backend, "contract", W, "Sample_Tasks.echo")) == [waiting[0], waiting[2]]
    # The list shows "echo"; the job page shows the task path "tests.sample_tasks.echo".
    assert ids(search(backend, "contract", W, "sample_tasks")) == waiting
    assert ids(search(backend, "contract", W, "tests.")) == waiting
    assert search(backend, "contract", W, "sample_tasks.fail").total == 0
    # "add" is also hex, so an id may hold it too: compare with the jobs as shown.
    adds = ids(search(backend, "contract", W, "add"))
    assert adds == expected(backend, "contract", W, "add")
    assert {waiting[1], waiting[3]} <= set(adds)
    assert ids(search(backend, "search", W, "tasks.ADD")) == [hostile["add"]]


def test_matches_by_args_and_kwargs(
    tasks_contract_env: ContractEnv, hostile: dict[str, str]
) -> None:
    backend = tasks_contract_env.backend
    completed = tasks_contract_env.ids[C]  # add(40, 2), echo("x", n=1), add(1, 2)
    assert ids(search(backend, "contract", C, "[40, 2]")) == [completed[0]]
    assert ids(search(backend, "contract", C, '"n": 1')) == [completed[1]]
    assert ids(search(backend, "search", W, "acme-CORP")) == [hostile["customer"]]
    assert ids(search(backend, "search", W, "customer")) == [hostile["customer"]]
    assert ids(search(backend, "search", W, '"kwargs": {"note"')) == [hostile["script"]]


def test_matches_by_failure_on_failed_jobs_only(tasks_backend: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    disk = on(sample_tasks.fail).enqueue("Disk Full on /var")
    other = on(sample_tasks.fail).enqueue("other")
    chained = on(sample_tasks.fail_chained).enqueue()
    done = on(sample_tasks.add).enqueue(1, 1)
    run_worker("search")
    failed = [str(chained.id), str(other.id), str(disk.id)]  # newest finish first
    assert ids(search(tasks_backend, "search", F, "DISK full")) == [str(disk.id)]
    # The exception class path, the traceback's source lines and a chained exception's text.
    assert ids(search(tasks_backend, "search", F, "sample_tasks.contracterror")) == failed
    assert ids(search(tasks_backend, "search", F, "raise ContractError")) == failed
    assert ids(search(tasks_backend, "search", F, "KeyError: 'inner'")) == [str(chained.id)]
    assert search(tasks_backend, "search", C, "ContractError").total == 0
    assert ids(search(tasks_backend, "search", C, "add")) == [str(done.id)]
    # A retried task keeps its traceback; while it waits no failure shows, so none is searched.
    DBTaskResult.objects.filter(id=chained.id).update(status="READY", finished_at=None)
    assert search(tasks_backend, "search", W, "KeyError").total == 0
    assert search(tasks_backend, "search", W, "ContractError").total == 0
    assert ids(search(tasks_backend, "search", W, "fail_chained")) == [str(chained.id)]
    assert ids(search(tasks_backend, "search", F, "ContractError")) == failed[1:]


def test_matches_by_id_as_shown(tasks_contract_env: ContractEnv) -> None:
    backend = tasks_contract_env.backend
    for state in (W, D, C, F):
        for job_id in tasks_contract_env.ids[state]:
            assert ids(search(backend, "contract", state, job_id)) == [job_id]
            assert job_id in ids(search(backend, "contract", state, job_id.upper()))
            across_dash = job_id[5:11].upper()  # "xxx-yy": the dash as the board shows it
            assert job_id in ids(search(backend, "contract", state, across_dash))
            undashed = job_id[6:8] + job_id[9:13]  # hex around a dash, without it
            found = ids(search(backend, "contract", state, undashed))
            assert found == expected(backend, "contract", state, undashed)


def test_case_insensitive_for_ascii_letters(tasks_contract_env: ContractEnv) -> None:
    backend = tasks_contract_env.backend
    for text in ("echo", "ECHO", "eChO", "<SCRIPT>alert(1)</Script>", "LAST"):
        assert ids(search(backend, "contract", W, text)) == expected(backend, "contract", W, text)
    assert search(backend, "contract", W, "<SCRIPT>").total == 1


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("%", ["percent"]),
        ("0%", ["percent"]),
        ("%%", []),
        ("a_b", ["underscore"]),
        ("_", list(_HOSTILE)),  # every task path holds "sample_tasks"
        ("%_%", []),
        ("'", ["quote"]),
        ("it's", ["quote"]),
        ("\\", ["backslash"]),
        ("\\s", ["backslash"]),  # as shown: the JSON text holds back\\slash
        ("<script>", ["script"]),
        ("</script>", ["script"]),
        ("'; DROP TABLE django_tasks_database_dbtaskresult; --", []),
        ("x' OR '1'='1", []),
    ],
)
def test_hostile_text_is_matched_literally(
    tasks_backend: Any, hostile: dict[str, str], text: str, labels: list[str]
) -> None:
    found = search(tasks_backend, "search", W, text)
    assert sorted(ids(found)) == sorted(hostile[label] for label in labels)
    assert ids(found) == expected(tasks_backend, "search", W, text)
    assert found.searched == SearchScope(scanned=len(hostile), in_state=len(hostile))


def test_non_ascii_text_matches_the_data_as_shown(tasks_backend: Any) -> None:
    cafe = on(sample_tasks.echo, "unicode").enqueue("café", city="Zürich")
    on(sample_tasks.echo, "unicode").enqueue("cafe")
    assert ids(search(tasks_backend, "unicode", W, "café")) == [str(cafe.id)]
    assert ids(search(tasks_backend, "unicode", W, "Zürich")) == [str(cafe.id)]
    assert search(tasks_backend, "unicode", W, "cafe").total == 1


def test_results_in_natural_order_and_paged(tasks_backend: Any) -> None:
    made = [on(sample_tasks.echo).enqueue(f"item-{n}") for n in range(7)]
    made += [on(sample_tasks.add).enqueue(n, n) for n in range(3)]
    listed = async_to_sync(tasks_backend.list_jobs)(JobQuery("search", W, 1, 50))
    matching = [job.id for job in listed.jobs if job.name == "echo"]
    assert len(matching) == 7 and len(listed.jobs) == 10
    first = search(tasks_backend, "search", W, "item-", per_page=3)
    second = search(tasks_backend, "search", W, "item-", page=2, per_page=3)
    third = search(tasks_backend, "search", W, "item-", page=3, per_page=3)
    assert ids(first) + ids(second) + ids(third) == matching
    assert [len(p.jobs) for p in (first, second, third)] == [3, 3, 1]
    assert (second.total, second.pages, second.has_next, second.has_previous) == (7, 3, True, True)
    assert second.searched == SearchScope(scanned=10, in_state=10)
    beyond = search(tasks_backend, "search", W, "item-", page=9, per_page=3)
    assert (beyond.jobs, beyond.total) == ([], 7)


@pytest.mark.parametrize("state", [W, D, C, F])
def test_every_state_searches_in_its_natural_order(
    tasks_contract_env: ContractEnv, state: JobState
) -> None:
    backend = tasks_contract_env.backend
    for text in ("a", "d", "e", "[", "boom", "1"):
        found = search(backend, "contract", state, text)
        assert ids(found) == expected(backend, "contract", state, text), text
        assert {job.state for job in found.jobs} <= {state}
        in_state = len(tasks_contract_env.ids[state])
        assert found.searched == SearchScope(scanned=in_state, in_state=in_state)


def test_scan_limit_reads_only_the_first_jobs_in_order(tasks_contract_env: ContractEnv) -> None:
    backend = tasks_contract_env.backend
    waiting = tasks_contract_env.ids[W]  # echo("last"), add(2, 2), echo(note=...), add(1, 1)
    found = search(backend, "contract", W, "echo", scan_limit=2)
    assert ids(found) == [waiting[0]]
    assert found.total == 1
    assert found.searched == SearchScope(scanned=2, in_state=4)
    assert not found.searched.complete
    for limit in (1, 2, 3, 4):  # "add" is also hex: an id of the window may hold it too
        adds = ids(search(backend, "contract", W, "add", scan_limit=limit))
        assert adds == expected(backend, "contract", W, "add", limit)
        assert set(adds) <= set(waiting[:limit])
        assert (waiting[1] in adds, waiting[3] in adds) == (limit >= 2, limit >= 4)
    delayed = tasks_contract_env.ids[D]  # due in 1 h, then in 2 h: oldest due first
    early = search(backend, "contract", D, "[1, 0]", scan_limit=1)
    assert (ids(early), early.total, early.searched) == ([delayed[0]], 1, SearchScope(1, 2))
    late = search(backend, "contract", D, "[2, 0]", scan_limit=1)
    assert (late.jobs, late.total, late.searched) == ([], 0, SearchScope(1, 2))
    nothing = search(backend, "contract", W, "echo", scan_limit=0)
    assert (nothing.jobs, nothing.total, nothing.searched) == ([], 0, SearchScope(0, 4))
    larger = search(backend, "contract", W, "echo", scan_limit=50)
    assert larger.searched == SearchScope(scanned=4, in_state=4)
    assert larger.searched.complete


def test_the_window_is_a_limited_subquery(
    tasks_contract_env: ContractEnv, django_assert_num_queries: Any
) -> None:
    backend = tasks_contract_env.backend
    with django_assert_num_queries(3) as captured:
        search(backend, "contract", W, "echo", page=1, per_page=1, scan_limit=3)
    count_state, count_matches, page = (query["sql"] for query in captured.captured_queries)
    assert "LIMIT" not in count_state.upper()
    for sql in (count_matches, page):
        assert " IN (SELECT " in sql.upper() and "LIMIT 3" in sql.upper(), sql
    assert page.upper().rstrip().endswith("LIMIT 1")
    with django_assert_num_queries(2):  # no match: no page query
        assert search(backend, "contract", W, "no such text").total == 0
    with django_assert_num_queries(2):  # page beyond the matches: no page query
        assert search(backend, "contract", W, "echo", page=5).jobs == []


def test_empty_text_keeps_the_plain_list(
    tasks_contract_env: ContractEnv, django_assert_num_queries: Any
) -> None:
    backend = tasks_contract_env.backend
    plain = async_to_sync(backend.list_jobs)(JobQuery("contract", W, 1, 3))
    with django_assert_num_queries(2):
        same = async_to_sync(backend.list_jobs)(JobQuery("contract", W, 1, 3, text=""))
    assert same == plain
    assert same.searched is None
    assert (ids(same), same.total) == (tasks_contract_env.ids[W][:3], 4)
    # The scan limit only bounds a search.
    limited = async_to_sync(backend.list_jobs)(JobQuery("contract", W, 1, 3, scan_limit=1))
    assert (limited.jobs, limited.total, limited.searched) == (plain.jobs, 4, None)


def test_unknown_queue_and_empty_states(tasks_backend: Any, settings: Any) -> None:
    on(sample_tasks.add).enqueue(1, 1)
    with pytest.raises(QueueNotFound):
        search(tasks_backend, "no-such-queue", W, "add")
    with pytest.raises(QueueNotFound):
        search(tasks_backend, "no-such-queue", W, "add", scan_limit=0)
    empty = search(tasks_backend, "search", A, "add")
    assert (empty.jobs, empty.total, empty.searched) == ([], 0, SearchScope(0, 0))
    assert empty.searched.complete
    not_held = search(tasks_backend, "search", JobState.PRIORITIZED, "add")
    assert (not_held.total, not_held.searched) == (0, SearchScope(0, 0))
    settings.TASKS = {"default": {"BACKEND": TASKS_BACKEND, "QUEUES": ["search", "declared"]}}
    declared = search(tasks_backend, "declared", W, "add")
    assert (declared.total, declared.searched) == (0, SearchScope(0, 0))


def test_database_errors_are_backend_unavailable(tasks_backend: Any, monkeypatch: Any) -> None:
    on(sample_tasks.add).enqueue(1, 1)
    monkeypatch.setattr(tasks_backend, "database", "no-such-alias")
    with pytest.raises(BackendUnavailable):
        search(tasks_backend, "search", W, "add")


def test_only_the_configured_task_backend_is_searched(tasks_backend: Any, settings: Any) -> None:
    entry = {"BACKEND": TASKS_BACKEND, "QUEUES": []}
    settings.TASKS = {"default": entry, "other": entry}
    mine = on(sample_tasks.echo).enqueue("shared")
    sample_tasks.echo.using(backend="other", queue_name="search").enqueue("shared")
    found = search(tasks_backend, "search", W, "shared")
    assert (ids(found), found.searched) == ([str(mine.id)], SearchScope(1, 1))
