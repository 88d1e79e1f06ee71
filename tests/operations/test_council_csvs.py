"""The CSVs each council is sent say, line by line, what the audit tables hold: a value on the
row it came from (the newcomer probe found 460 of the demo's 775 lines with another row's)."""

from __future__ import annotations

import duckdb
import pandas as pd

AS_SENT = {"rejected_rows.csv": "rejections", "warnings.csv": "warnings"}


def _as_sent(cell: str) -> str:
    """A CSV cell as the audit table holds it: ="0012" is 0012 (values_kept_as_sent), '=1+1 is
    =1+1 (spreadsheet_safe)."""
    if cell.startswith('="') and cell.endswith('"'):
        return cell[2:-1].replace('""', '"')
    return cell[1:] if cell[:2] in {"'=", "'+", "'-", "'@"} else cell


def test_each_line_of_a_councils_csvs_is_the_audit_row_it_names(region):
    outbox = region.settings.outbox_dir
    with duckdb.connect(str(region.settings.database), read_only=True) as con:
        for name, table in AS_SENT.items():
            audit = {
                tuple(row) for row in con.execute(
                    f"""select council_code, submission_id, file_name, coalesce(source_row, -1),
                               rule, coalesce(offending_value, '') from audit.{table}""").fetchall()
            }  # fmt: skip
            lines = 0
            for path in sorted(outbox.glob(f"*/*/{name}")):
                council, submission = path.parent.parent.name, path.parent.name
                sent = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
                for row in sent.itertuples():
                    line = (council, submission, row.file_name, int(row.source_row or -1),
                            row.rule, _as_sent(row.offending_value))  # fmt: skip
                    assert line in audit, (path, row.Index + 2)
                lines += len(sent)
            values = sum(1 for row in audit if row[-1])
            assert lines == len(audit) and values > 50, (name, lines, len(audit), values)
