"""dagster-dbt's dbt resource without two start-up costs paid before every build.

Replaces: `DbtCliResource._cli_version` (it runs `dbt --version`: a whole dbt start-up plus a
look-up of the latest release) and `DbtCliResource._initialize_dbt_core_adapter` (it loads the
project's macros in-process for an adapter only used to fetch row counts and column metadata,
which these assets never ask for). Both are private members of dagster-dbt.
Saves: ~6 s before every build (bench/NOTES.md, "Earlier sessions").
On an upgrade of dagster-dbt: tests/platform/test_private_members.py fails if either member is
gone or renamed; then check whether dagster-dbt still pays these costs, and drop this class if
not (dagster-dbt's own DbtCliResource then takes its place in pipelines/defs/transform.py).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging import version

from pipelines.platform.warm_dbt import raa_dbt, venv_dbt


class WarehouseDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two start-up costs paid before every build (~6 s):

    - it learns dbt's version by running `dbt --version` (a whole dbt start-up, plus a look-up
      of the latest release); the dbt beside this Python is the dbt-core imported here;
    - it loads the project's macros in-process for a dbt adapter that is only used to fetch
      row counts and column metadata, which these assets do not ask for.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable) in (venv_dbt(), raa_dbt()):
            from dbt.version import __version__

            return version.parse(__version__)
        return DbtCliResource._cli_version.func(self)

    def _initialize_dbt_core_adapter(self, args):
        return None
