"""The warehouse file's format (pipelines.warehouse.connect)."""

from pipelines.warehouse import STORAGE_VERSION, connect


def test_a_new_warehouse_is_written_in_the_storage_format_that_compresses_text_cheaply(tmp_path):
    database = tmp_path / "raa.duckdb"
    with connect(database) as con:
        con.execute("create table t as select md5(i::varchar) as k from range(200000) r(i)")
    with connect(database, read_only=True) as con:  # the format stays the file's own
        tags = con.execute(
            "select tags from duckdb_databases() where database_name = 'raa'"
        ).fetchone()[0]
        methods = {m for (m,) in con.execute(
            "select distinct compression from pragma_storage_info('t')"
        ).fetchall()}  # fmt: skip
    assert tags["storage_version"].startswith(STORAGE_VERSION)
    assert "DICT_FSST" in methods  # not in DuckDB's default (v0.10) format
