"""Batches and worker processes change how fast a night loads, never what it loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo import generate_demo
from pipelines.ingest import submission as ingest_module
from pipelines.ingest.landing import latest_submission
from pipelines.ingest.submission import ingest_submissions, plan_batches
from pipelines.ingest.validate import validate_table
from pipelines.settings import Settings
from pipelines.warehouse import connect, ensure_schemas

TIMESTAMPS = {"loaded_at", "recorded_at", "received_at"}


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """The demo region (with its defects), plus a KIL submission that cannot be read."""
    out = tmp_path_factory.mktemp("batches")
    generate_demo(out, seed=11)
    broken = out / "KIL" / "2026-11-30"
    broken.mkdir()
    (broken / "episodes.csv").write_bytes(b"")
    return out


def _load(landing: Path, root: Path, registry, *, workers: int):
    settings = Settings.from_env(landing_dir=landing, warehouse_dir=root, pseudonym_key="test-key")
    due = [(registry.get(c), latest_submission(landing, c)) for c in registry.codes]
    con = connect(settings.database)
    ensure_schemas(con)
    outcomes = ingest_submissions(con, settings, registry, due, workers=workers)
    return settings, con, {o.council_code: o.status for o in outcomes}


def _contents(con) -> dict[str, list]:
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where schema_name in ('canonical', 'audit') order by all"
    ).fetchall()
    found = {}
    for schema, table in tables:
        columns = [c for (c, *_) in con.execute(f"describe {schema}.{table}").fetchall()
                   if c not in TIMESTAMPS]  # fmt: skip
        listed = ", ".join(columns)
        found[f"{schema}.{table}"] = con.execute(
            f"select {listed} from {schema}.{table} order by all"
        ).fetchall()
    return found


def test_parallel_batches_load_exactly_what_one_batch_loads(
    landing, registry, tmp_path, monkeypatch
):
    _, inline, inline_status = _load(landing, tmp_path / "inline", registry, workers=1)
    monkeypatch.setattr(ingest_module, "BATCH_BYTES", 1)  # one submission per batch
    monkeypatch.setattr(ingest_module, "PARALLEL_BYTES", 0)
    settings, parallel, parallel_status = _load(landing, tmp_path / "workers", registry, workers=2)

    assert inline_status == parallel_status
    threads = "select current_setting('threads')"
    # the writer keeps to one DuckDB thread only while the workers run
    assert parallel.execute(threads).fetchone() == inline.execute(threads).fetchone()
    assert inline_status["KIL"] == "failed"
    assert {s for c, s in inline_status.items() if c != "KIL"} == {"loaded"}
    expected, found = _contents(inline), _contents(parallel)
    assert sum(len(rows) for rows in found.values()) > 50_000
    for table, rows in expected.items():
        assert found[table] == rows, table
    reports = sorted(p.relative_to(settings.outbox_dir) for p in settings.outbox_dir.rglob("*.*"))
    assert len(reports) == 3 * len(registry.codes)
    for report in reports:
        assert (settings.outbox_dir / report).read_text() == (
            tmp_path / "inline" / "outbox" / report
        ).read_text(), report


def test_batches_are_even_ordered_and_one_per_worker_at_least(landing, registry, monkeypatch):
    due = [(registry.get(c), latest_submission(landing, c)) for c in registry.codes]
    assert plan_batches(due, workers=2) == [due]  # the region is too small to share out
    monkeypatch.setattr(ingest_module, "PARALLEL_BYTES", 0)
    batches = plan_batches(due, workers=2)
    assert len(batches) == 2 and [item for b in batches for item in b] == due
    monkeypatch.setattr(ingest_module, "BATCH_BYTES", 1)
    batches = plan_batches(due, workers=2)
    assert [len(b) for b in batches] == [1] * len(due)


def test_one_contract_call_per_table_finds_what_one_call_per_dialect_finds(
    landing, registry, tmp_path, monkeypatch
):
    """A batch validates each table once across its dialects (validate_table): every row must
    end up accepted or rejected exactly as when each dialect's rows are validated alone, with
    the same lines and the same reports."""
    from pipelines.ingest import batch as batch_module

    def one_dialect_at_a_time(inputs):
        return [validate_table([one])[0] for one in inputs]

    monkeypatch.setattr(ingest_module, "PARALLEL_BYTES", 1 << 40)  # one batch, in this process
    _, together, together_status = _load(landing, tmp_path / "together", registry, workers=1)
    monkeypatch.setattr(batch_module, "validate_table", one_dialect_at_a_time)
    settings, alone, alone_status = _load(landing, tmp_path / "alone", registry, workers=1)

    assert together_status == alone_status
    dialects = {registry.get(c).dialect for c, s in alone_status.items() if s == "loaded"}
    assert len(dialects) >= 3  # the same tables really came in several dialects
    expected, found = _contents(alone), _contents(together)
    assert len(found["audit.rejections"]) > 100  # failures of every kind to split back out
    assert found == expected
    for report in settings.outbox_dir.rglob("*.*"):
        twin = tmp_path / "together" / "outbox" / report.relative_to(settings.outbox_dir)
        assert twin.read_text() == report.read_text(), report


def test_an_agency_export_counts_a_share_of_its_bytes_when_batches_are_shared_out(monkeypatch):
    """Adopter, support and finance files prepare faster per byte than journeys: a batch
    holding an agency's big export also takes councils, so the workers finish together."""
    from types import SimpleNamespace

    from pipelines.registry import Council

    megabyte = 1024 * 1024

    def sent(code: str, role: str, megabytes: int):
        files = (SimpleNamespace(size=megabytes * megabyte),)
        return Council(code, code, "charms", role), SimpleNamespace(files=files)

    due = [sent(f"C{i}", "partner", 10) for i in range(6)] + [sent("RAA", "agency", 30)]
    monkeypatch.setattr(ingest_module, "BATCH_BYTES", 30 * megabyte)
    monkeypatch.setattr(ingest_module, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(ingest_module, "AGENCY_WORK_PER_BYTE", 1 / 3)
    batches = plan_batches(due, workers=2)
    assert [item for b in batches for item in b] == due and len(batches) == 4
    with_agency = next(b for b in batches if any(c.role == "agency" for c, _ in b))
    assert [c.code for c, _ in with_agency] == ["C5", "RAA"]  # by bytes alone: RAA alone
    monkeypatch.setattr(ingest_module, "AGENCY_WORK_PER_BYTE", 1)
    assert [c.code for c, _ in plan_batches(due, workers=2)[-1]] == ["RAA"]


def test_the_batch_with_the_most_bytes_goes_to_the_workers_first(monkeypatch):
    """Its write is the longest, and the last batch's write runs alone once the workers are
    done: the biggest must not be left until last."""
    from concurrent.futures import Future
    from types import SimpleNamespace

    handed_out = []

    class Pool:  # hands out nothing to processes: records the order and returns the batch
        def __init__(self, **_):
            pass

        def submit(self, _prepare, _settings, _registry, batch):
            handed_out.append(batch)
            done = Future()
            done.set_result(batch)
            return done

        def shutdown(self, **_):
            pass

    def batch(megabytes: int):
        files = (SimpleNamespace(size=megabytes * 1024 * 1024),)
        return [(None, SimpleNamespace(files=files))]

    small, big, middle = batch(1), batch(5), batch(3)
    monkeypatch.setattr(ingest_module, "ProcessPoolExecutor", Pool)
    prepared = list(ingest_module._prepared_batches(None, None, [small, big, middle], workers=2))
    assert handed_out == [big, middle, small]
    assert sorted(map(id, prepared)) == sorted(map(id, [small, big, middle]))


def test_a_report_that_cannot_be_rendered_fails_its_submission_and_commits_nothing(
    settings, registry, warehouse, monkeypatch
):
    """A batch prepared in the writer's process has its reports rendered while DuckDB stores its
    rows: should one fail, the transaction is rolled back before its commit, and the submission
    fails as any unexpected error does (the council keeps what it had), not the night."""
    from pipelines.ingest import batch as batch_module
    from pipelines.ingest.feedback import render_feedback
    from tests.ingest.helpers import GOOD_EPISODES, GOOD_HEADER, ingest_files

    def render_but_not_a_loaded_one(council, submission, outcome, *args):
        if outcome.status == "loaded":
            raise RuntimeError("a bug in the report")
        return render_feedback(council, submission, outcome, *args)

    monkeypatch.setattr(batch_module, "render_feedback", render_but_not_a_loaded_one)
    files = {"h.csv": GOOD_HEADER, "e.csv": GOOD_EPISODES}
    outcome = ingest_files(warehouse, settings, registry, "NTH", files)
    assert outcome.status == "failed" and "an unexpected error (RuntimeError)" in outcome.message
    assert "while writing its report" in outcome.message
    assert warehouse.sql("select count(*) from canonical.children").fetchone()[0] == 0
    status = warehouse.sql("select status from audit.submissions").fetchall()
    assert status == [("failed",)]
    assert (settings.outbox_dir / "NTH" / "s1" / "validation_report.html").exists()
