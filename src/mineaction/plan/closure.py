"""The priced subproblem, solved exactly: every area's best release year at given yearly prices, certified.

Pricing money at ``lam[t]`` (benefit points per US$) and team-days at ``mu[t]`` (points per team-day) in every
year removes the only rows that tie all areas together; what is left splits into independent parts:

- an area that blocks nothing takes its best year, or stays out of the plan;
- a settlement or asset whose blockers block nothing else takes its best completion year ``m`` and its
  blockers their best years up to ``m`` (closed form over the ``T + 1`` choices);
- settlements and assets that share blocking areas form components; each is a maximum-weight closure on its
  time-expanded graph (node ``(g, t)``: g available by year t; ``(i, t)``: shared area i released by year t),
  solved as a minimum cut with scipy's maximum flow. Capacities are integers scaled per component and rounded
  up, so the value read off the flow is an upper bound of the exact one.

The flows on the links between a group and a shared area are Lagrange multipliers of those links; with them
each group and each shared area is an independent chain, whose value bounds the component from above at any
prices. They are kept between calls (the warm start): at new prices only the components where that bound and
the best consistent schedule disagree by more than a tolerance are cut again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order, connected_components, maximum_flow

from mineaction.plan.model import Benefits
from mineaction.plan.problem import PlanningProblem

__all__ = ["Pricing", "PricedSubproblem"]

_INF_CAP = 2**31 - 1
_SCALE_ROOM = 2.0**30


@dataclass(frozen=True, eq=False)
class Pricing:
    """The priced subproblem at one set of prices.

    ``bound`` is an upper bound on every feasible plan's objective (weak duality, certified); ``value`` is
    the Lagrangian value of ``schedule`` (year index per area, -1 never), the best schedule at these prices;
    ``spend_usd`` and ``team_days`` are what that schedule uses each year; ``cut_components`` counts the
    components solved by maximum flow in this call.
    """

    lam: np.ndarray
    mu: np.ndarray
    bound: float
    value: float
    schedule: np.ndarray
    spend_usd: np.ndarray
    team_days: np.ndarray
    cut_components: int


def _incidence(rows: np.ndarray, n_rows: int, n_cols: int) -> sparse.csr_matrix:
    """Sparse 0/1 matrix summing columns (entries) into rows (their owners)."""
    return sparse.csr_matrix((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(n_rows, n_cols))


class PricedSubproblem:
    """The structure of a problem's priced subproblem, and the link multipliers learnt so far.

    Parameters
    ----------
    problem : the planning problem
    b : its benefits (``benefits(problem)``)
    """

    def __init__(self, problem: PlanningProblem, b: Benefits) -> None:
        self.problem, self.b = problem, b
        n, t = problem.n_units, problem.n_years
        self.n_years = t
        owner, idx = problem.group_of_blocker(), problem.blocker_idx
        degree = np.bincount(idx, minlength=n)
        self.free = np.flatnonzero(degree == 0)
        folded = degree[idx] == 1
        self.fold_unit, self.fold_group = idx[folded], owner[folded]
        self.fold_sum = _incidence(self.fold_group, problem.n_groups, len(self.fold_unit))
        self.all_sum = _incidence(owner, problem.n_groups, len(idx))
        self.shared = np.flatnonzero(degree >= 2)
        link_group, link_unit = owner[~folded], idx[~folded]
        has_link = np.zeros(problem.n_groups, dtype=bool)
        has_link[link_group] = True
        self.multi, self.single = np.flatnonzero(has_link), np.flatnonzero(~has_link)
        gpos = np.full(problem.n_groups, -1)
        gpos[self.multi] = np.arange(len(self.multi))
        apos = np.full(n, -1)
        apos[self.shared] = np.arange(len(self.shared))
        self.link_g, self.link_a = gpos[link_group], apos[link_unit]
        self.link_to_g = _incidence(self.link_g, len(self.multi), len(self.link_g))
        self.link_to_a = _incidence(self.link_a, len(self.shared), len(self.link_a))
        self.comp_g, self.comp_a, self.n_comp = self._components()
        insecure = np.arange(t)[None, :] < problem.earliest_year[:, None]
        if not problem.settings.require_secure:
            insecure[:] = False
        self.insecure = np.nonzero(insecure)  # (area, year) pairs where work may not start yet
        total = float(np.maximum(b.unit_points, 0).sum() + b.group_points.sum()) * float(
            b.remaining_weight[0]
        )
        self.big = 4.0 * total + 1.0  # more than every plan's benefit: a forbidden choice never pays
        self.multipliers = np.zeros((len(self.link_g), t))
        self.kept_m = np.full(len(self.multi), t)  # best consistent years found so far, per chain
        self.kept_s = np.full(len(self.shared), t)

    def _components(self) -> tuple[np.ndarray, np.ndarray, int]:
        m, s = len(self.multi), len(self.shared)
        if m == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 0
        adj = sparse.csr_matrix(
            (np.ones(len(self.link_g)), (self.link_g, m + self.link_a)), shape=(m + s, m + s)
        )
        n_comp, label = connected_components(adj, directed=False)
        return label[:m], label[m:], int(n_comp)

    # --- values at prices -----------------------------------------------------------------------------------

    def unit_values(self, lam: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """Priced value of releasing each area in each year, shape (n, T + 1); column T (never) is 0."""
        b = self.b
        v = np.empty((self.problem.n_units, self.n_years + 1))
        v[:, :-1] = (
            b.unit_points[:, None] * b.remaining_weight[None, :]
            - b.cost_usd[:, None] * lam[None, :]
            - b.team_days[:, None] * mu[None, :]
        )
        v[self.insecure] = -self.big
        v[:, -1] = 0.0
        return v

    def group_values(self, v: np.ndarray) -> np.ndarray:
        """Value of each group completing by year m (m = T: never), lone blockers at their best up to m."""
        t = self.n_years
        fold = v[self.fold_unit]
        best = np.maximum.accumulate(fold[:, :t], axis=1)
        lone = np.concatenate([best, np.maximum(best[:, -1:], 0.0)], axis=1)
        r = np.zeros((self.problem.n_groups, t + 1))
        r[:, :t] = self.b.group_points[:, None] * self.b.remaining_weight[None, :]
        return r + self.fold_sum @ lone

    def relaxed(self, lam: np.ndarray, mu: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """A fast, looser relaxation for a first guess of the prices: each area blocking several groups is
        split into equal shares, one per group, so every group is solved alone in closed form.

        Returns its value (an upper bound of ``L``, seldom tight) and the money and team-days its schedule
        uses each year (shared areas counted by their shares).
        """
        p, t, b = self.problem, self.n_years, self.b
        v = self.unit_values(lam, mu)
        owner, idx = p.group_of_blocker(), p.blocker_idx
        share = 1.0 / np.bincount(idx, minlength=p.n_units)[idx]
        best = np.maximum.accumulate(v[idx, :t] * share[:, None], axis=1)
        each = np.concatenate([best, np.maximum(best[:, -1:], 0.0)], axis=1)
        r = np.zeros((p.n_groups, t + 1))
        r[:, :t] = b.group_points[:, None] * b.remaining_weight[None, :]
        r += self.all_sum @ each
        m = r.argmax(axis=1)
        value = float(lam @ p.budget_usd + mu @ p.team_days_capacity)
        value += float(v[self.free].max(axis=1).sum() + r.max(axis=1).sum())
        mm = m[owner]
        allowed = np.arange(t + 1)[None, :] <= mm[:, None]
        allowed[:, t] = mm == t
        chosen = np.where(allowed, v[idx], -np.inf).argmax(axis=1)
        years = np.concatenate([v[self.free].argmax(axis=1), chosen])
        units = np.concatenate([self.free, idx])
        weight = np.concatenate([np.ones(len(self.free)), share])
        on = years < t
        spend = np.bincount(years[on], weights=(b.cost_usd[units] * weight)[on], minlength=t)
        used = np.bincount(years[on], weights=(b.team_days[units] * weight)[on], minlength=t)
        return value, spend, used

    # --- evaluation -----------------------------------------------------------------------------------------

    def evaluate(self, lam: np.ndarray, mu: np.ndarray, *, tol: float = 2e-6) -> Pricing:
        """Solve the subproblem at prices ``lam`` (points per US$) and ``mu`` (points per team-day) by year.

        ``tol`` is the share of the bound the warm-started chains may leave uncertified before the components
        with the largest disagreement are cut again; the bound returned is valid whatever ``tol``.
        """
        p, t = self.problem, self.n_years
        lam, mu = np.asarray(lam, float), np.asarray(mu, float)
        v = self.unit_values(lam, mu)
        r = self.group_values(v)
        years = np.full(p.n_units, t)
        years[self.free] = v[self.free].argmax(axis=1)
        group_m = np.full(p.n_groups, t)
        group_m[self.single] = r[self.single].argmax(axis=1)
        fixed = float(lam @ p.budget_usd + mu @ p.team_days_capacity)
        fixed += float(v[self.free].max(axis=1).sum() + r[self.single].max(axis=1).sum())
        upper, lower, cut = self._components_at(v, r, group_m, years, tol=tol)
        self._lone_years(v, group_m, years)
        schedule = np.where(years >= t, -1, years).astype(np.int64)
        on = schedule >= 0
        spend = np.bincount(schedule[on], weights=self.b.cost_usd[on], minlength=t)
        used = np.bincount(schedule[on], weights=self.b.team_days[on], minlength=t)
        return Pricing(lam, mu, fixed + upper, fixed + lower, schedule, spend, used, cut)

    def _lone_years(self, v: np.ndarray, group_m: np.ndarray, years: np.ndarray) -> None:
        """Blockers of one group only: best year up to the group's completion (any year or never if never)."""
        t = self.n_years
        m = group_m[self.fold_group]
        allowed = np.arange(t + 1)[None, :] <= m[:, None]
        allowed[:, t] = m == t
        years[self.fold_unit] = np.where(allowed, v[self.fold_unit], -np.inf).argmax(axis=1)

    def _components_at(
        self, v: np.ndarray, r: np.ndarray, group_m: np.ndarray, years: np.ndarray, *, tol: float
    ) -> tuple[float, float, int]:
        """Upper bound and best consistent value summed over the shared components; sets their years."""
        if self.n_comp == 0:
            return 0.0, 0.0, 0
        rg, va = r[self.multi], v[self.shared]
        wg, wa = rg[:, :-1] - rg[:, 1:], va[:, :-1] - va[:, 1:]
        upper, m, s = self._chains(wg, wa, rg[:, -1])
        lower, m, s = self._consistent(rg, va, m, s)
        kept = self._value(rg, va, self.kept_m, self.kept_s)
        better = kept > lower
        lower = np.maximum(lower, kept)
        m = np.where(better[self.comp_g], self.kept_m, m)
        s = np.where(better[self.comp_a], self.kept_s, s)
        gap = upper - lower
        order = np.argsort(-gap)
        rest = np.cumsum(gap[order][::-1])[::-1]  # gap left if cutting stops before each component
        allowed = tol * max(1.0, abs(float(upper.sum())))
        chosen = order[(rest > allowed) & (gap[order] > 0)]
        if len(chosen):
            exact, m_cut, s_cut = self._cut(wg, wa, chosen)
            sel = np.zeros(self.n_comp, dtype=bool)
            sel[chosen] = True
            base = np.bincount(self.comp_g, weights=rg[:, -1], minlength=self.n_comp)
            upper[chosen] = exact[chosen] + base[chosen]
            m[sel[self.comp_g]], s[sel[self.comp_a]] = m_cut, s_cut
            lower = self._value(rg, va, m, s)
        self.kept_m, self.kept_s = m, s
        group_m[self.multi] = m
        years[self.shared] = s
        return float(upper.sum()), float(lower.sum()), len(chosen)

    def _chains(
        self, wg: np.ndarray, wa: np.ndarray, base: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Upper bound per component from the chains and link multipliers, and each chain's threshold."""
        f = self.multipliers
        vg, m = _best_suffix(wg - self.link_to_g @ f)
        va, s = _best_suffix(wa + self.link_to_a @ f)
        upper = np.bincount(self.comp_g, weights=vg + base, minlength=self.n_comp)
        upper += np.bincount(self.comp_a, weights=va, minlength=self.n_comp)
        return upper, m, s

    def _value(self, rg: np.ndarray, va: np.ndarray, m: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Exact value per component of group completion years ``m`` and shared-area years ``s``."""
        out = np.bincount(
            self.comp_g, weights=np.take_along_axis(rg, m[:, None], 1)[:, 0], minlength=self.n_comp
        )
        return out + np.bincount(
            self.comp_a, weights=np.take_along_axis(va, s[:, None], 1)[:, 0], minlength=self.n_comp
        )

    def _consistent(
        self, rg: np.ndarray, va: np.ndarray, m: np.ndarray, s: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Make chain thresholds consistent (every group no earlier than its shared blockers) two ways:
        shared areas earlier, or groups later; keep the better per component."""
        s_early = s.copy()
        np.minimum.at(s_early, self.link_a, m[self.link_g])
        m_late = m.copy()
        np.maximum.at(m_late, self.link_g, s[self.link_a])
        early, late = self._value(rg, va, m, s_early), self._value(rg, va, m_late, s)
        pick = late > early
        m_out = np.where(pick[self.comp_g], m_late, m)
        s_out = np.where(pick[self.comp_a], s, s_early)
        return np.maximum(early, late), m_out, s_out

    def _cut(
        self, wg: np.ndarray, wa: np.ndarray, chosen: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Maximum closure of the chosen components by minimum cut; updates their link multipliers.

        Returns the certified closure value per component (0 where not chosen) and the thresholds of the
        chosen components' group and shared-area chains.
        """
        t = self.n_years
        sel = np.zeros(self.n_comp, dtype=bool)
        sel[chosen] = True
        gs, as_ = np.flatnonzero(sel[self.comp_g]), np.flatnonzero(sel[self.comp_a])
        ls = np.flatnonzero(sel[self.comp_g[self.link_g]])
        gloc = np.full(len(self.multi), -1)
        gloc[gs] = np.arange(len(gs))
        aloc = np.full(len(self.shared), -1)
        aloc[as_] = len(gs) + np.arange(len(as_))
        weights = np.concatenate([wg[gs], wa[as_]])
        comp = np.concatenate([self.comp_g[gs], self.comp_a[as_]])
        graph = _ClosureGraph(weights, comp, self.n_comp, t)
        tt = np.arange(t)[None, :]
        u = 2 + (gloc[self.link_g[ls]][:, None] * t + tt).ravel()
        w = 2 + (aloc[self.link_a[ls]][:, None] * t + tt).ravel()
        value, closure, flows = graph.solve(u, w)
        scale = graph.scale[self.comp_g[self.link_g[ls]]]
        self.multipliers[ls] = flows.reshape(len(ls), t) / scale[:, None]
        first = np.where(closure.any(axis=1), closure.argmax(axis=1), t)
        return value, first[: len(gs)], first[len(gs) :]


def _best_suffix(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best closure of each chain (nodes t >= m, m = T empty) by weights ``w`` (rows): value and m."""
    t = w.shape[1]
    suffix = np.zeros((w.shape[0], t + 1))
    suffix[:, :t] = np.cumsum(w[:, ::-1], axis=1)[:, ::-1]
    m = suffix.argmax(axis=1)
    return suffix[np.arange(len(m)), m], m


class _ClosureGraph:
    """A union of components' time-expanded closure graphs with integer capacities, scaled per component."""

    def __init__(self, weights: np.ndarray, comp: np.ndarray, n_comp: int, t: int) -> None:
        self.t, self.n_comp = t, n_comp
        self.node_comp = np.repeat(comp, t)
        w = weights.ravel()
        positive = np.bincount(self.node_comp, weights=np.maximum(w, 0.0), minlength=n_comp)
        self.scale = np.minimum(_SCALE_ROOM / np.maximum(positive, 1e-12), 1e15)
        scaled = w * self.scale[self.node_comp]
        self.source = np.ceil(np.maximum(scaled, 0.0))  # rounded up: the cut value stays an upper bound
        self.total = np.bincount(self.node_comp, weights=self.source, minlength=n_comp)
        self.sink = np.minimum(np.floor(np.maximum(-scaled, 0.0)), self.total[self.node_comp] + 1.0)
        self.n_nodes = len(w)

    def solve(self, link_u: np.ndarray, link_v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Certified closure value per component, closure membership (rows of T) and the link flows."""
        n, t = self.n_nodes, self.t
        ids = 2 + np.arange(n)
        chain = ids.reshape(-1, t)[:, :-1].ravel()
        src, snk = self.source > 0, self.sink > 0
        rows = np.concatenate([np.zeros(int(src.sum()), dtype=np.int64), ids[snk], chain, link_u])
        cols = np.concatenate([ids[src], np.ones(int(snk.sum()), dtype=np.int64), chain + 1, link_v])
        inf = np.full(len(chain) + len(link_u), _INF_CAP, dtype=np.int64)
        data = np.concatenate([self.source[src], self.sink[snk], inf]).astype(np.int32)
        cap = sparse.csr_matrix((data, (rows, cols)), shape=(n + 2, n + 2))
        cap.sum_duplicates()
        # the same flow from the sink on the reversed graph: about a third faster here (Dinic's level graphs
        # are shallower from the sink side, where the closure's chains end)
        result = maximum_flow(cap.T.tocsr(), 1, 0, method="dinic")
        flow = result.flow.T.tocsr()
        out = np.zeros(n + 2)
        row0 = flow[0].tocoo()
        out[row0.col] = row0.data
        per_comp = np.bincount(self.node_comp, weights=out[2:], minlength=self.n_comp)
        value = np.where(self.total > 0, (self.total - per_comp) / self.scale, 0.0)
        residual = (cap - flow).tocsr()
        residual.data[residual.data < 0] = 0
        residual.eliminate_zeros()
        reach = breadth_first_order(residual, 0, directed=True, return_predecessors=False)
        inside = np.zeros(n + 2, dtype=bool)
        inside[reach] = True
        links = np.asarray(flow[link_u, link_v], dtype=float).ravel()
        return value, inside[2:].reshape(-1, t), links
