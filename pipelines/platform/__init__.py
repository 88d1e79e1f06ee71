"""Where this project works around its platform (Dagster, dagster-dbt, dbt, pandera).

Each module says what it replaces, what it saves (with the bench/NOTES.md figure) and what to
check on an upgrade; tests/platform/test_private_members.py fails as soon as a private member
one of them relies on disappears, so an upgrade cannot silently turn a workaround into a bug.

| module | replaces | saves |
|---|---|---|
| event_log.py | Dagster's SQLite event log connection handling (private `_connect`) | ~25 ms per event, ~4x |
| dbt_cli.py | dagster-dbt `DbtCliResource._cli_version`, `_initialize_dbt_core_adapter` | ~6 s per build |
| pandera_backend.py | pandera's `ColumnBackend.failure_cases_metadata`, `format_vectorized_error_message` and `PandasCheckBackend.postprocess_table_with_field_output`, process-wide | ~1/5 of validation; 2.4 of 6.3 CPU s on the 104k set for the messages, 1.3 s for one case per row |
| dbt_project/macros/materializations/lean_table.sql | dbt-duckdb's `table` and dbt's `view` materializations (drop and create in one transaction; the contract compared in one query) | 53 table models on the demo region 7.3 -> 4.4 s |
| dbt_project/macros/persist_descriptions.sql | dbt's `persist_docs`, model by model (two column queries and a statement each), with one batch of comments at the end of the build (on-run-end) | regional dbt build 6.1 -> 5.5 s (median of 5 alternating pairs) |
| warm_dbt.py | starting dbt cold for each build (public dbtRunner; fds over a Unix socket) | ~6 s per build |

Nothing outside this package reaches into a platform's private API.
"""
