-- The FLOOR: the scorecard's A1 / A10 / A2 three-year figures straight from the councils' raw
-- exports in plain DuckDB SQL. No validation, no pseudonymising, no audit, no orchestration, no
-- dbt: what the hardware needs for the headline figures alone. Periods of care follow domain
-- A.1, key dates A.2, measures A.3. The runner sets two variables first:
--   episode_files, match_files  lists of CSV globs (every dialect's file names)
-- Liquidlogic workbooks are read from CSV copies of their sheets (DuckDB's excel extension
-- cannot be installed offline); bench/floor.py makes them once and reports that time apart.

create or replace temp table raw_episodes as
select
    split_part(filename, '/', -3) as council,
    split_part(filename, '/', -2) as submission,
    coalesce("CHILD", "PERSON_ID", "ChildRef", "Person ID") as child,
    coalesce(
        try_strptime("DECOM", '%d/%m/%Y'), try_strptime("EPISODE_START_DATE", '%Y-%m-%d'),
        try_strptime("StartDate", '%d-%b-%Y'), try_strptime("Episode Start", '%d/%m/%Y')
    )::date as decom,
    coalesce(
        try_strptime("DEC", '%d/%m/%Y'), try_strptime("EPISODE_END_DATE", '%Y-%m-%d'),
        try_strptime("EndDate", '%d-%b-%Y'), try_strptime("Episode End", '%d/%m/%Y')
    )::date as dec,
    upper(trim(coalesce("RNE", "REASON_NEW_EPISODE", "NewEpisodeReason", "Reason New Episode")))
        as rne,
    upper(trim(coalesce("LS", "LEGAL_STATUS", "LegalStatus", "Legal Status"))) as ls,
    upper(trim(coalesce("PLACE", "PLACEMENT_TYPE", "PlacementCode", "Placement Type"))) as place,
    upper(trim(coalesce("REC", "REASON_EPISODE_CEASED", "EndReason", "Reason Episode Ended")))
        as rec
from read_csv(
    getvariable('episode_files'), union_by_name = true, all_varchar = true, filename = true,
    ignore_errors = true
);

create or replace temp table episodes as
select distinct council, child, decom, dec, rne, ls, place, rec
from raw_episodes
where
    decom is not null and child is not null
    and (council, submission) in (select (council, max(submission)) from raw_episodes group by council);

create or replace temp table matches as
with raw as (
    select
        split_part(filename, '/', -3) as council,
        split_part(filename, '/', -2) as submission,
        coalesce("CHILD", "PERSON_ID", "ChildRef", "Person ID") as child,
        coalesce(
            try_strptime("DATE_MATCH", '%d/%m/%Y'), try_strptime("MATCH_DATE", '%Y-%m-%d'),
            try_strptime("MatchDate", '%d-%b-%Y'), try_strptime("Match Date", '%d/%m/%Y')
        )::date as match_date,
        coalesce("FOSTER_CARE", "ADOPTED_BY_FOSTER_CARER", "FosterCarerAdoption",
                 "Foster Carer Adoption") in ('1', 'Y', 'Yes') as foster_carer
    from read_csv(
        getvariable('match_files'), union_by_name = true, all_varchar = true, filename = true,
        ignore_errors = true
    )
)
select * from raw
where
    match_date is not null
    and (council, submission) in (select (council, max(submission)) from raw group by council);

-- A.1: an episode joins the previous one when it starts the day the previous ended (DECOM =
-- previous DEC, or previous REC X1 unless a gap follows), or when the previous was left open.
create or replace temp table sequenced as
with ordered as (
    select
        *,
        row_number() over w as n,
        lag(dec) over w as prev_dec,
        lag(rec) over w as prev_rec
    from episodes
    window w as (partition by council, child order by decom, dec nulls last)
)
select
    *,
    sum(case
        when n = 1 then 1
        when prev_dec is null or decom = prev_dec or (prev_rec = 'X1' and prev_dec > decom) then 0
        else 1
    end) over (partition by council, child order by n) as period
from ordered;

create or replace temp table adopted as
with periods as (
    select
        council, child, period,
        min(decom) as entered_care,
        arg_max(rec, n) as final_rec,
        arg_max_null(dec, n) as adoption_order,  -- the final episode's DEC; none, no date
        min(n) as first_n,
        max(n) as last_n,
        max(case when place not in ('A3', 'A4', 'A5', 'A6') or place is null then n end)
            as last_non_adoption_n,
        min(case when ls in ('E1', 'D1') then decom end) as court_authority
    from sequenced
    group by all
),

final_runs as (
    -- A.2: first episode of the final unbroken run of adoption placements
    select p.*, s.decom as moved_in, s.n as run_first_n
    from periods p
    join sequenced s
        on s.council = p.council and s.child = p.child and s.period = p.period
        and s.n = coalesce(p.last_non_adoption_n, p.first_n - 1) + 1
    where p.final_rec in ('E11', 'E12') and p.last_non_adoption_n is distinct from p.last_n
),

carer_start as (
    -- A10: step back while the episode began without a change of carer (RNE L, T, U)
    select f.council, f.child, f.period, max(s.decom) as moved_in_carer
    from final_runs f
    join sequenced s
        on s.council = f.council and s.child = f.child and s.period = f.period
        and s.n <= f.run_first_n
        and (s.rne not in ('L', 'T', 'U') or s.rne is null or s.decom = f.entered_care)
    group by all
),

matched as (
    select f.council, f.child, f.period, arg_max(m.foster_carer, m.match_date) as foster_carer,
        max(m.match_date) as match_date
    from final_runs f
    join matches m
        on m.council = f.council and m.child = f.child
        and m.match_date between f.entered_care and f.adoption_order
    group by all
)

select
    f.council,
    f.adoption_order,
    f.moved_in - f.entered_care as a1,
    case when coalesce(m.foster_carer, false) then c.moved_in_carer else f.moved_in end
        - f.entered_care as a10,
    case when f.court_authority is not null and m.match_date is not null
        then greatest(m.match_date - f.court_authority, 0) end as a2
from final_runs f
left join carer_start c using (council, child, period)
left join matched m using (council, child, period);

-- A.3: pooled means over the three years ending 31 March, per council and for everyone.
create or replace table floor_scorecard as
with windows as (
    select distinct
        year(adoption_order) + case when month(adoption_order) >= 4 then 1 else 0 end as ends
    from adopted where adoption_order is not null
)
select
    coalesce(a.council, 'ALL') as council,
    w.ends as window_end_year,
    count(*) as children,
    avg(a.a1) as a1_mean,
    avg(a.a10) as a10_mean,
    avg(a.a2) as a2_mean,
    count(a.a2) as a2_children
from windows w
join adopted a
    on a.adoption_order between make_date(w.ends - 3, 4, 1) and make_date(w.ends, 3, 31)
group by grouping sets ((w.ends, a.council), (w.ends));
