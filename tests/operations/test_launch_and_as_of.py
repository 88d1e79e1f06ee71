"""The registry's launch date and the data's as-of date, through a demo night to the snapshot."""

import duckdb


def test_launch_date_reaches_the_star_and_the_published_comparison(region):
    with duckdb.connect(str(region.settings.database), read_only=True) as con:
        launched = con.execute("select distinct partnership_launched_on from star.dim_council")
        assert launched.fetchall() == [(region.registry.partnership_launched,)]
    published = region.settings.published_dir / "raa.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        periods = con.execute(
            "select period, period_start, count(*) from marts.launch_comparison group by all order by 1"
        ).fetchall()
        grain = con.execute(
            "select grain from meta.catalogue where table_name = 'marts.launch_comparison'"
        ).fetchone()
    launch = region.registry.partnership_launched
    units = len(region.registry.partners) + 1
    assert periods == [("before launch", launch.replace(year=launch.year - 1), units),
                       ("since launch", launch, units)]  # fmt: skip
    assert grain == ("council_code, period",)


def test_as_of_is_the_earliest_export_date_in_use(region):
    with duckdb.connect(str(region.settings.database), read_only=True) as con:
        earliest = con.execute(
            "select min(s.reference_date) from audit.current_submissions c"
            " join audit.submissions s using (council_code, submission_id)"
        ).fetchone()[0]
        as_of = con.execute("select as_of_date, as_of_source from intermediate.int_data_as_of")
        assert as_of.fetchall() == [(earliest, "earliest export date of the submissions in use")]
        partial = con.execute(
            "select distinct partial_as_of from marts.scorecard_timeliness where is_partial"
        ).fetchall()
    assert partial == [(earliest,)]
