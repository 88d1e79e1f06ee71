"""Turn per-period event plans into 903 episodes, all periods at once.

A plan row is one period of care. Column 0 is the start (every state field set); the other
columns are later events that change the placement, the legal status and/or the carer (-1 =
unchanged, NaN time = no event). Events are sorted, states carried forward, events on the
same day merged and events at or after the period's end (or after the reference date) dropped.
Each remaining event opens an episode; RNE follows from what changed (S, L, P, T, B, U).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data_contracts import codes

PLACE = {c: i for i, c in enumerate(codes.PLACE_ALL)}
LS = {c: i for i, c in enumerate(codes.LEGAL_STATUS)}
REC = {c: i for i, c in enumerate(codes.REC)}
PROVIDER = {c: i for i, c in enumerate(codes.PLACE_PROVIDER)}
RNE_CODES = np.array(["S", "L", "P", "T", "B", "U"], dtype=object)
X1 = REC["X1"]


@dataclass
class Plan:
    t: np.ndarray  # (n, k) float day numbers
    place: np.ndarray  # (n, k) int, -1 unchanged
    ls: np.ndarray
    carer: np.ndarray
    provider: np.ndarray
    end: np.ndarray  # (n,) float, NaN = still open
    rec: np.ndarray  # (n,) int reason the period ended

    @classmethod
    def empty(cls, n: int, k: int) -> Plan:
        def ints() -> np.ndarray:
            return np.full((n, k), -1, dtype="int32")

        return cls(
            t=np.full((n, k), np.nan),
            place=ints(),
            ls=ints(),
            carer=ints(),
            provider=ints(),
            end=np.full(n, np.nan),
            rec=np.full(n, -1, dtype="int32"),
        )

    def set(self, col: int, rows, t, *, place=None, ls=None, carer=None, provider=None) -> None:
        """Set event `col` for the rows selected by boolean mask `rows`."""
        self.t[rows, col] = t if np.isscalar(t) else np.asarray(t)[rows]
        for name, value in (("place", place), ("ls", ls), ("carer", carer), ("provider", provider)):
            if value is not None:
                target = getattr(self, name)
                target[rows, col] = value if np.isscalar(value) else np.asarray(value)[rows]


@dataclass
class EpisodeArrays:
    period: np.ndarray
    decom: np.ndarray
    dec: np.ndarray
    rne: np.ndarray  # object codes
    ls: np.ndarray
    place: np.ndarray
    provider: np.ndarray
    carer: np.ndarray
    rec: np.ndarray  # int, -1 = open


def _ffill(values: np.ndarray) -> np.ndarray:
    k = values.shape[1]
    index = np.where(values >= 0, np.arange(k), 0)
    np.maximum.accumulate(index, axis=1, out=index)
    return np.take_along_axis(values, index, axis=1)


def build_episodes(plan: Plan, as_of: int) -> EpisodeArrays:
    t = plan.t.copy()
    start = t[:, :1]
    t[:, 1:] = np.where(t[:, 1:] <= start, np.nan, t[:, 1:])  # nothing before the start
    order = np.argsort(np.where(np.isnan(t), np.inf, t), axis=1, kind="stable")
    t = np.take_along_axis(t, order, axis=1)
    fields = {
        name: _ffill(np.take_along_axis(getattr(plan, name), order, axis=1))
        for name in ("place", "ls", "carer", "provider")
    }
    end = np.where(np.isnan(plan.end), np.inf, plan.end)[:, None]
    valid = ~np.isnan(t) & (t <= as_of) & (t < end)
    superseded = np.zeros_like(valid)
    superseded[:, :-1] = valid[:, :-1] & valid[:, 1:] & (t[:, :-1] == t[:, 1:])
    rows, cols = np.nonzero(valid & ~superseded)
    decom = t[rows, cols]
    state = {name: f[rows, cols] for name, f in fields.items()}

    same_period = np.zeros(len(rows), dtype=bool)
    same_period[1:] = rows[1:] == rows[:-1]
    changed = {name: np.ones(len(rows), dtype=bool) for name in state}
    for name, values in state.items():
        changed[name][1:] = values[1:] != values[:-1]
    no_change = same_period & ~(changed["place"] | changed["ls"] | changed["carer"])
    keep = ~no_change
    rows, decom = rows[keep], decom[keep]
    state = {name: v[keep] for name, v in state.items()}
    same_period = np.zeros(len(rows), dtype=bool)
    same_period[1:] = rows[1:] == rows[:-1]
    for name, values in state.items():
        changed[name] = np.ones(len(rows), dtype=bool)
        changed[name][1:] = values[1:] != values[:-1]

    ls_ch, place_ch, carer_ch = changed["ls"], changed["place"], changed["carer"]
    rne_index = np.select(
        [~same_period, carer_ch & ls_ch, carer_ch, ls_ch & place_ch, ls_ch],
        [0, 4, 2, 5, 1],
        default=3,
    )
    last = np.ones(len(rows), dtype=bool)
    last[:-1] = ~same_period[1:]
    next_decom = np.empty(len(rows))
    next_decom[:-1] = decom[1:]
    period_end = plan.end[rows]
    closed = ~np.isnan(period_end) & (period_end <= as_of)
    dec = np.where(last, np.where(closed, period_end, np.nan), next_decom)
    rec = np.where(last, np.where(closed, plan.rec[rows], -1), X1)
    return EpisodeArrays(
        period=rows,
        decom=decom,
        dec=dec,
        rne=RNE_CODES[rne_index],
        ls=state["ls"],
        place=state["place"],
        provider=state["provider"],
        carer=state["carer"],
        rec=rec,
    )


def concat_plans(plans: list[Plan]) -> Plan:
    """Stack plans with different numbers of event columns (padding with 'no event')."""
    k = max(p.t.shape[1] for p in plans)

    def pad(a: np.ndarray, fill) -> np.ndarray:
        return np.pad(a, ((0, 0), (0, k - a.shape[1])), constant_values=fill)

    return Plan(
        t=np.concatenate([pad(p.t, np.nan) for p in plans]),
        place=np.concatenate([pad(p.place, -1) for p in plans]),
        ls=np.concatenate([pad(p.ls, -1) for p in plans]),
        carer=np.concatenate([pad(p.carer, -1) for p in plans]),
        provider=np.concatenate([pad(p.provider, -1) for p in plans]),
        end=np.concatenate([p.end for p in plans]),
        rec=np.concatenate([p.rec for p in plans]),
    )
