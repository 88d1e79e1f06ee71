"""`raa` tells the truth: a failed council fails the command with its reason, a user's mistake
is one line, and folders of no council are named."""

from __future__ import annotations

import shutil

import pytest

from pipelines import cli


def test_a_failed_council_fails_raa_run_with_its_reason_and_shows_stale(
    copied, region, tmp_path, monkeypatch, capsys
):
    landing = tmp_path / "landing"
    shutil.copytree(region.settings.landing_dir, landing)
    monkeypatch.setenv("RAA_LANDING_DIR", str(landing))
    previous = sorted((landing / "NTH").iterdir())[-1]
    broken = landing / "NTH" / "9999-12-31"
    shutil.copytree(previous, broken)
    (broken / "submission.yaml").write_text("reference_date: 31/12/2099\n")
    (landing / "xyz" / "2026-12-01").mkdir(parents=True)

    code = cli.main(["run", "--council", "nth"])  # codes are case-insensitive

    out = capsys.readouterr()
    assert code == 1
    assert (
        "NTH: FAILED: submission 9999-12-31: submission.yaml: reference_date: '31/12/2099' is "
        "not a date written as yyyy-mm-dd"
    ) in out.out
    assert "not in the council registry, so not loaded: xyz" in out.out
    assert "1 council(s) failed to load (NTH)" in out.err

    assert cli.main(["status"]) == 0
    status = capsys.readouterr().out
    nth = next(line for line in status.splitlines() if line.startswith("NTH "))
    assert nth.endswith("STALE") and previous.name in nth
    assert "NTH: submission 9999-12-31 failed: submission.yaml: reference_date" in status
    assert "not in the council registry, so never loaded: xyz" in status
    widths = {len(line) for line in status.split("\n\n")[0].splitlines()}
    assert len(widths) == 1  # the table stays aligned whatever the messages


@pytest.mark.parametrize(
    ("argv", "env", "says"),
    [
        (["run", "--council", "XYZ"], {}, "unknown council 'XYZ': the registry has NTH, ASH"),
        (["run"], {"RAA_LANDING_DIR": "{tmp}/nowhere"}, "the landing folder {tmp}/nowhere does"),
        (["status"], {"RAA_COUNCILS_FILE": "{tmp}/none.yaml"}, "council registry {tmp}/none.yaml"),
    ],
)
def test_a_users_mistake_is_one_line_and_exit_2(argv, env, says, tmp_path, monkeypatch, capsys):
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    monkeypatch.setenv("RAA_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert says.format(tmp=tmp_path) in err and len(err.strip().splitlines()) == 1
