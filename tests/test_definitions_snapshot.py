"""Every asset key (with its group), asset check, job, schedule and sensor, against a snapshot
kept in the repository (tests/snapshots/definitions.txt): a rename, a new or a lost definition
shows up as a visible diff. Users' scripts and the UI's bookmarks rely on these names.

After a deliberate change: `RAA_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest
tests/test_definitions_snapshot.py`, then review and commit the file's diff."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from pipelines.definitions import build_definitions
from pipelines.settings import DEFAULT_COUNCILS_FILE, Settings

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.txt"


def current_definitions() -> str:
    defs = build_definitions(Settings.from_env(pseudonym_key="snapshot",
                                               councils_file=DEFAULT_COUNCILS_FILE))  # fmt: skip
    repository = defs.get_repository_def()
    graph = defs.resolve_asset_graph()
    groups = graph.get_all_asset_keys()
    lines = [f"asset {key.to_user_string()} [{graph.get(key).group_name}]" for key in groups]
    lines += [f"check {c.asset_key.to_user_string()}:{c.name}" for c in graph.asset_check_keys]
    lines += [f"job {job.name}" for job in repository.get_all_jobs()]
    lines += [f"schedule {s.name} {s.cron_schedule} {s.execution_timezone}"
              for s in repository.schedule_defs]  # fmt: skip
    lines += [f"sensor {s.name} every {s.minimum_interval_seconds}s default "
              f"{s.default_status.value}" for s in repository.sensor_defs]  # fmt: skip
    return "\n".join(sorted(lines)) + "\n"


def test_definitions_match_the_snapshot(monkeypatch):
    monkeypatch.delenv("RAA_SENSOR_INTERVAL_SECONDS", raising=False)
    current = current_definitions()
    if os.environ.get("RAA_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(current)
    expected = SNAPSHOT.read_text()
    diff = "".join(difflib.unified_diff(expected.splitlines(True), current.splitlines(True),
                                        "tests/snapshots/definitions.txt", "now"))  # fmt: skip
    assert current == expected, f"the definitions changed:\n{diff}"
