"""Exact optimum of Pingcha's assignment objective with HiGHS, for comparison with the solver.

Reads the JSON that `cargo run --release --example assign_report -- OUT_DIR` writes (problem,
our assignment, our objective) and solves THE SAME objective (src/domain/assignment/solver.rs)
with HiGHS, at one of these stages:

  --stage columns      (default for city; needs teams = units, so each team inspects one unit):
                       the FULL model (teams, units, files all free) as set partitioning over
                       every rule-abiding single-unit team, priced by assign_report
                       (city.columns.bin). Column generation gives the LP bound; HiGHS then solves
                       the MILP over the columns whose reduced cost can still matter: a proven
                       optimum. The prices of the chosen teams and of a random sample are
                       re-derived here by an independent MILP, so a wrong price would show.
  --stage full         the same full model as one compact MILP (perspective load steps, file
                       classes, teams named by their unit); slow to close, kept as a
                       cross-check of the columns stage.
  --stage units+files  the teams' members fixed to ours: which team inspects which unit AND
                       which member reviews which file, jointly; each team at least one unit.
  --stage files        (default for province): members and units fixed to ours; only the split
                       of files among members (stage 3).

The team-composition term (same-unit pairs) is a constant once members are fixed and is added.

It also prints a lower bound on the optimum of the FULL model (teams, units and files all free),
from the load term alone (every other term is ≥ 0): the reviews D can go to at most
teams × max size reviewers, so Σ load² is at least the even water-filling of D over the largest
capacities; and when there are as many teams as units, each team takes exactly one unit u and
at most `max` members, so Σ load² ≥ Σ_u (even split of u's reviews over its team), with team
sizes chosen (greedily, which is exact for these convex terms) within the people available.

    pip install highspy
    python3 benches/highs_optimum.py /tmp/assign/city.json [--stage columns|full|units+files|files]
        [--time-limit SECONDS]
"""

import argparse
import json
import os
import sys
import time

import highspy


def norm(name):
    return "".join(name.split())


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def eligible_fn(problem):
    conflicts = {(c["reviewer"], c["with"]["kind"], c["with"]["id"]) for c in problem["conflicts"]}
    objections = {(o["unit"], o["reviewer"]) for o in problem["objections"]}

    def eligible(reviewer, file):
        if not reviewer["available"]:
            return False
        if reviewer["unit"] == file["unit"]:
            return False
        if reviewer["law_firm"] is not None and reviewer["law_firm"] == file["handling_firm"]:
            return False
        if norm(reviewer["name"]) == norm(file["handler_name"]):
            return False
        rid = reviewer["id"]
        if (rid, "unit", file["unit"]) in conflicts or (rid, "case_file", file["id"]) in conflicts:
            return False
        if file["handling_firm"] is not None and (rid, "law_firm", file["handling_firm"]) in conflicts:
            return False
        if (file["unit"], rid) in objections:
            return False
        return True

    return eligible


def repeat_fn(problem):
    weight = problem["config"]["weights"]["repeat_visit"]
    newest = {}
    for age, past in enumerate(problem["history"]):
        for visit in past["visits"]:
            newest.setdefault((visit["reviewer"], visit["unit"]), age)
    return lambda reviewer, unit: (weight >> newest[(reviewer, unit)]) if (reviewer, unit) in newest else 0


def solve(record, stage, time_limit):
    problem, ours = record["problem"], record["assignment"]
    weights = problem["config"]["weights"]
    reviewers = {r["id"]: r for r in problem["reviewers"]}
    units = [u["id"] for u in problem["units"]]
    files_by_unit = {u: [] for u in units}
    for f in problem["files"]:
        files_by_unit[f["unit"]].append(f)
    criminal_units = {f["unit"] for f in problem["files"] if f["case_type"] == "criminal"}
    eligible = eligible_fn(problem)
    repeat = repeat_fn(problem)
    teams = ours["teams"]

    constant = 0
    for team in teams:
        members = team["members"]
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if reviewers[a]["unit"] == reviewers[b]["unit"]:
                    constant += weights["same_unit_pair"]

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.0)
    if time_limit:
        h.setOptionValue("time_limit", float(time_limit))

    # y[t, u]: team t inspects unit u.
    y = {}
    for t, team in enumerate(teams):
        members = [reviewers[m] for m in team["members"]]
        has_criminal = any("criminal" in m["expertise"] for m in members)
        for u in units:
            if stage == "files":
                if u not in team["units"]:
                    continue
                y[t, u] = None  # fixed to 1
                continue
            if any(m["unit"] == u for m in members):
                continue
            if u in criminal_units and not has_criminal:
                continue
            rep = sum(repeat(m["id"], u) for m in members)
            y[t, u] = h.addBinary(obj=rep)
    if stage == "files":
        for team in teams:
            members = team["members"]
            constant += sum(repeat(m, u) for m in members for u in team["units"])
            extra = max(len(team["units"]) - 1, 0)
            constant += weights["extra_unit"] * extra * extra
    else:
        for u in units:
            h.addConstr(sum(y[t, u] for t in range(len(teams)) if (t, u) in y) == 1)
        for t in range(len(teams)):
            row = [y[t, u] for u in units if (t, u) in y]
            h.addConstr(sum(row) >= 1)
            # Travel: the j-th extra unit costs w·(2j−1), so n units cost w·(n−1)².
            extras = [h.addBinary(obj=weights["extra_unit"] * (2 * j - 1)) for j in range(1, len(row))]
            if extras:
                h.addConstr(sum(row) - sum(extras) <= 1)

    # z[f, m]: member m reviews file f.
    loads = {}
    for t, team in enumerate(teams):
        members = [reviewers[m] for m in team["members"]]
        for u in units:
            if (t, u) not in y:
                continue
            for f in files_by_unit[u]:
                row = []
                by_unit = {}
                for m in members:
                    if not eligible(m, f):
                        continue
                    cost = 0 if f["case_type"] in m["expertise"] else weights["expertise_mismatch"]
                    z = h.addBinary(obj=cost)
                    if y[t, u] is not None:
                        h.addConstr(z - y[t, u] <= 0)
                    row.append(z)
                    by_unit.setdefault(m["unit"], []).append(z)
                    loads.setdefault(m["id"], []).append(z)
                need = f["reviewers_needed"]
                if y[t, u] is None:
                    if len(row) < need:
                        return None, "infeasible: file %s" % f["case_number"]
                    h.addConstr(sum(row) == need)
                else:
                    h.addConstr(sum(row) - need * y[t, u] == 0) if row else h.addConstr(y[t, u] <= 0)
                for group in by_unit.values():
                    if len(group) > 1:
                        h.addConstr(sum(group) <= 1)
    # Load: the k-th file of a reviewer costs w·(2k−1), so n files cost w·n².
    for rid, zs in loads.items():
        cap = reviewers[rid]["capacity"]
        steps = [h.addBinary(obj=weights["load"] * (2 * k - 1)) for k in range(1, min(cap, len(zs)) + 1)]
        h.addConstr(sum(zs) - sum(steps) == 0)

    started = time.time()
    h.minimize()
    seconds = time.time() - started
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    value = info.objective_function_value + constant
    bound = info.mip_dual_bound + constant
    return (value, bound, status, seconds, h.getNumCol(), h.getNumRow()), None


def file_classes(problem, files, candidates, eligible):
    """Files of one unit that share case type, reviewers needed and eligible reviewers are
    interchangeable: the model counts how many of them each reviewer takes. Any counts with
    n[c, r] <= |c| and, for double review, at most |c| reviews per reviewers' unit, are realised
    file by file (deal each unit's reviews round-robin over the class's files), so nothing is
    lost and the files' symmetry is gone."""
    classes = {}
    for f in files:
        allowed = tuple(r["id"] for r in candidates if eligible(r, f))
        key = (f["case_type"], f["reviewers_needed"], allowed)
        classes.setdefault(key, []).append(f)
    return classes


def solve_full(record, time_limit, verbose=False):
    """Teams, units and files all free; needs as many teams as units, so each team inspects
    exactly one unit and is named by it (no symmetry between teams).

    x[r, u]  reviewer r is in the team of unit u (repeat visits priced here);
    n[c, r]  reviews of file class c (of unit u) done by r, ≤ |c|·x[r, u];
    s[r, u, k] ∈ [0, x[r, u]], k = 1..capacity: the k-th review of r costs w·(2k−1), with
             Σ_k s = Σ_c n[c, r]. Bounding each step by x (not by 1) is the perspective of
             load²: a reviewer half in a team pays load²/½, so the LP relaxation sees that a
             unit's reviews split over 3 or 4 people cost about D²/3 or D²/4, not a fraction of
             everyone's capacity. Exact at integer points, where the cheapest steps fill first.
    """
    problem = record["problem"]
    weights = problem["config"]["weights"]
    size = problem["config"]["team_size"]
    reviewers = [r for r in problem["reviewers"] if r["available"]]
    units = [u["id"] for u in problem["units"]]
    if len(record["assignment"]["teams"]) != len(units):
        return None, "full model needs as many teams as units"
    criminal_units = {f["unit"] for f in problem["files"] if f["case_type"] == "criminal"}
    eligible = eligible_fn(problem)
    repeat = repeat_fn(problem)
    by_id = {r["id"]: r for r in reviewers}
    files_by_unit = {u: [] for u in units}
    for f in problem["files"]:
        files_by_unit[f["unit"]].append(f)
    h = highspy.Highs()
    h.setOptionValue("output_flag", verbose)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.0)
    h.setOptionValue("time_limit", float(time_limit))
    x = {}
    for r in reviewers:
        for u in units:
            if r["unit"] != u:
                x[r["id"], u] = h.addBinary(obj=repeat(r["id"], u))
    for r in reviewers:
        row = [x[r["id"], u] for u in units if (r["id"], u) in x]
        h.addConstr(sum(row) <= 1)
    for u in units:
        team = [(r, x[r["id"], u]) for r in reviewers if (r["id"], u) in x]
        h.addConstr(sum(v for _, v in team) >= size["min"])
        h.addConstr(sum(v for _, v in team) <= size["max"])
        h.addConstr(sum(v for r, v in team if r["may_lead"]) >= 1)
        if u in criminal_units:
            h.addConstr(sum(v for r, v in team if "criminal" in r["expertise"]) >= 1)
        for i, (a, va) in enumerate(team):
            for b, vb in team[i + 1:]:
                if a["unit"] == b["unit"]:
                    pair = h.addVariable(lb=0, ub=1, obj=weights["same_unit_pair"])
                    h.addConstr(pair - va - vb >= -1)
    classes = 0
    for u in units:
        candidates = [r for r in reviewers if (r["id"], u) in x]
        reviews = {r["id"]: [] for r in candidates}
        for (case_type, need, allowed), members in file_classes(problem, files_by_unit[u], candidates, eligible).items():
            classes += 1
            count = len(members)
            row, by_unit = [], {}
            for rid in allowed:
                cost = 0 if case_type in by_id[rid]["expertise"] else weights["expertise_mismatch"]
                n = h.addVariable(lb=0, ub=count, obj=cost, type=highspy.HighsVarType.kInteger)
                h.addConstr(n - count * x[rid, u] <= 0)
                row.append(n)
                reviews[rid].append(n)
                by_unit.setdefault(by_id[rid]["unit"], []).append(n)
            if len(row) == 0:
                return None, "infeasible: a file of unit %s has no eligible reviewer" % u
            h.addConstr(sum(row) == need * count)
            if need > 1:
                for group in by_unit.values():
                    if len(group) > 1:
                        h.addConstr(sum(group) <= count)
        for rid, ns in reviews.items():
            if not ns:
                continue
            steps = [h.addVariable(lb=0, ub=1, obj=weights["load"] * (2 * k - 1))
                     for k in range(1, by_id[rid]["capacity"] + 1)]
            for s in steps:
                h.addConstr(s - x[rid, u] <= 0)
            h.addConstr(sum(ns) - sum(steps) == 0)
    started = time.time()
    h.minimize()
    seconds = time.time() - started
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    return (info.objective_function_value, info.mip_dual_bound, status, seconds, h.getNumCol(), h.getNumRow()), None


def price_team(problem, unit, members, eligible, repeat):
    """The exact price of one single-unit team, from scratch: composition and visit terms, and
    the split of the unit's files among the members as a small MILP. None if a rule breaks."""
    weights = problem["config"]["weights"]
    people = [problem["reviewers"][m] for m in members]
    unit_id = problem["units"][unit]["id"]
    files = [f for f in problem["files"] if f["unit"] == unit_id]
    if any(p["unit"] == unit_id for p in people) or not any(p["may_lead"] for p in people):
        return None
    if any(f["case_type"] == "criminal" for f in files) and not any("criminal" in p["expertise"] for p in people):
        return None
    fixed = sum(repeat(p["id"], unit_id) for p in people)
    for i, a in enumerate(people):
        fixed += sum(weights["same_unit_pair"] for b in people[i + 1:] if a["unit"] == b["unit"])
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.0)
    loads = {p["id"]: [] for p in people}
    for f in files:
        row, by_unit = [], {}
        for p in people:
            if eligible(p, f):
                z = h.addBinary(obj=0 if f["case_type"] in p["expertise"] else weights["expertise_mismatch"])
                row.append(z)
                loads[p["id"]].append(z)
                by_unit.setdefault(p["unit"], []).append(z)
        if len(row) < f["reviewers_needed"]:
            return None
        h.addConstr(sum(row) == f["reviewers_needed"])
        for group in by_unit.values():
            if len(group) > 1:
                h.addConstr(sum(group) <= 1)
    for p in people:
        if loads[p["id"]]:
            steps = [h.addBinary(obj=weights["load"] * (2 * k - 1)) for k in range(1, p["capacity"] + 1)]
            h.addConstr(sum(loads[p["id"]]) - sum(steps) == 0)
    h.minimize()
    if h.modelStatusToString(h.getModelStatus()) != "Optimal":
        return None
    return fixed + round(h.getInfo().objective_function_value)


def solve_columns(record, columns_path, time_limit, verbose=False):
    """The full model as set partitioning over every single-unit team (needs teams = units).

    columns_path holds every rule-abiding (unit, members) team with its price, written by
    assign_report. 1) Column generation: the LP over all columns (each unit one team, each
    reviewer in at most one), pricing by scanning every column's reduced cost. Its value is a
    lower bound (the Dantzig–Wolfe bound, at least as strong as the compact model's LP).
    2) Any solution costing at most UB uses only columns of reduced cost <= UB − LP (the duals
    of the "at most one team" rows are <= 0), so the MILP over those columns alone, solved by
    HiGHS, is the optimum of the whole model. UB is our solver's objective.
    """
    import numpy as np

    problem = record["problem"]
    units = len(problem["units"])
    if len(record["assignment"]["teams"]) != units:
        return None, "the column model needs as many teams as units"
    people = len(problem["reviewers"])
    data = np.fromfile(columns_path, dtype="<i4").reshape(-1, 6)
    unit_of, members, cost = data[:, 0], data[:, 1:5], data[:, 5].astype(np.float64)
    padded = np.where(members < 0, people, members)
    started = time.time()

    def master(chosen, integer, limit=None):
        h = highspy.Highs()
        h.setOptionValue("output_flag", verbose and integer)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 0.0)
        if limit:
            h.setOptionValue("time_limit", float(limit))
        inf = highspy.kHighsInf
        for _ in range(units):
            h.addRow(1.0, 1.0, 0, [], [])
        for _ in range(people):
            h.addRow(-inf, 1.0, 0, [], [])
        for j in chosen:
            rows = [int(unit_of[j])] + [units + int(m) for m in members[j] if m >= 0]
            h.addCol(float(cost[j]), 0.0, 1.0, len(rows), rows, [1.0] * len(rows))
        if integer:
            h.changeColsIntegrality(len(chosen), np.arange(len(chosen), dtype=np.int32),
                                    np.full(len(chosen), highspy.HighsVarType.kInteger))
        h.run()
        return h

    # Start from the columns of our assignment, so the master is feasible.
    ids = {r["id"]: i for i, r in enumerate(problem["reviewers"])}
    unit_ids = {u["id"]: i for i, u in enumerate(problem["units"])}
    key = {(int(u), tuple(int(m) for m in ms if m >= 0)): j for j, (u, ms) in enumerate(zip(unit_of, members))}
    chosen = []
    for team in record["assignment"]["teams"]:
        team_key = (unit_ids[team["units"][0]], tuple(sorted(ids[m] for m in team["members"])))
        if team_key not in key:
            return None, "our team %s is not among the columns" % (team_key,)
        chosen.append(key[team_key])
    ours_from_columns = float(cost[chosen].sum())
    chosen_set = set(chosen)
    rounds = 0
    while True:
        rounds += 1
        h = master(chosen, integer=False)
        lp = h.getInfo().objective_function_value
        duals = np.array(h.getSolution().row_dual)
        mu, pi = duals[:units], np.append(duals[units:], 0.0)
        reduced = cost - mu[unit_of] - pi[padded].sum(axis=1)
        added = 0
        for u in range(units):
            rows = np.flatnonzero((unit_of == u) & (reduced < -1e-7))
            best = rows[np.argsort(reduced[rows])][:40]
            for j in best:
                if int(j) not in chosen_set:
                    chosen_set.add(int(j))
                    chosen.append(int(j))
                    added += 1
        if added == 0:
            break
    upper = min(ours_from_columns, record["quality"]["objective"])
    keep = np.flatnonzero(reduced <= upper - lp + 1e-6)
    h = master(list(keep), integer=True, limit=time_limit)
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    seconds = time.time() - started
    print(f"columns={len(data)} generation rounds={rounds} LP bound={lp:.3f} "
          f"UB={upper:.0f} columns kept (reduced cost <= UB - LP)={len(keep)}")
    value = info.objective_function_value
    solution = h.getSolution().col_value
    picked = [int(keep[i]) for i, v in enumerate(solution) if v > 0.5]
    teams = [(problem["units"][int(unit_of[j])]["name"],
              [problem["reviewers"][int(m)]["name"] for m in members[j] if m >= 0], int(cost[j]))
             for j in picked]
    for name, names, price in sorted(teams):
        print(f"  {name}: {' '.join(names)} ({price})")
    # The prices came from our flow: re-derive the chosen ones and a random sample independently.
    eligible, repeat = eligible_fn(problem), repeat_fn(problem)
    sample = picked + [int(j) for j in np.random.default_rng(7).choice(len(data), 200, replace=False)]
    wrong = [(j, int(cost[j]), price_team(problem, int(unit_of[j]), [int(m) for m in members[j] if m >= 0], eligible, repeat))
             for j in sample]
    wrong = [w for w in wrong if w[1] != w[2]]
    print(f"prices re-derived by an independent MILP: {len(sample)} teams, {len(wrong)} differ {wrong[:5]}")
    return (value, max(info.mip_dual_bound, lp), status, seconds, h.getNumCol(), h.getNumRow()), None


def even_split(total, parts):
    quotient, rest = divmod(total, parts)
    return rest * (quotient + 1) ** 2 + (parts - rest) * quotient ** 2


def lower_bound(record):
    problem = record["problem"]
    weight = problem["config"]["weights"]["load"]
    size = problem["config"]["team_size"]
    teams = len(record["assignment"]["teams"])
    demand = sum(f["reviewers_needed"] for f in problem["files"])
    capacities = sorted((r["capacity"] for r in problem["reviewers"] if r["available"]), reverse=True)
    capacities = capacities[: teams * size["max"]]
    low, high = 0, max(capacities)
    while low < high:
        middle = (low + high + 1) // 2
        if sum(min(c, middle) for c in capacities) <= demand:
            low = middle
        else:
            high = middle - 1
    loads = [min(c, low) for c in capacities]
    rest = demand - sum(loads)
    for i, c in enumerate(capacities):
        if rest and loads[i] < c:
            loads[i] += 1
            rest -= 1
    bound = weight * sum(v * v for v in loads)
    units = problem["units"]
    if teams == len(units):
        per_unit = {}
        for f in problem["files"]:
            per_unit[f["unit"]] = per_unit.get(f["unit"], 0) + f["reviewers_needed"]
        sizes = {u["id"]: size["min"] for u in units}
        spare = len(capacities) - size["min"] * len(units)
        while spare > 0:
            gains = [
                (even_split(per_unit.get(u, 0), s) - even_split(per_unit.get(u, 0), s + 1), u)
                for u, s in sizes.items()
                if s < size["max"]
            ]
            if not gains:
                break
            gain, best = max(gains)
            if gain <= 0:
                break
            sizes[best] += 1
            spare -= 1
        bound = max(bound, weight * sum(even_split(per_unit.get(u, 0), s) for u, s in sizes.items()))
    return bound


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("json")
    parser.add_argument("--stage", choices=["columns", "full", "units+files", "files"])
    parser.add_argument("--columns", help="city.columns.bin (default: next to the JSON)")
    parser.add_argument("--time-limit", type=float, default=600)
    parser.add_argument("--verbose", action="store_true", help="HiGHS's own log")
    parser.add_argument("--bound-only", action="store_true", help="skip the MILP (nation scale)")
    args = parser.parse_args()
    record = load(args.json)
    ours = record["quality"]["objective"]
    bound = lower_bound(record)
    print(f"scale={record['scale']} full-model lower bound={bound} ours={ours} "
          f"ours within {(ours - bound) / bound * 100:.2f}% of the bound")
    if args.bound_only:
        return
    stage = args.stage or ("columns" if record["scale"] == "city" else "files")
    if stage == "columns":
        columns = args.columns or os.path.join(os.path.dirname(args.json), "city.columns.bin")
        result, error = solve_columns(record, columns, args.time_limit, args.verbose)
    elif stage == "full":
        result, error = solve_full(record, args.time_limit, args.verbose)
    else:
        result, error = solve(record, stage, args.time_limit)
    if error:
        print(error)
        sys.exit(1)
    value, bound, status, seconds, cols, rows = result
    gap = (ours - value) / value * 100 if value else 0.0
    print(f"scale={record['scale']} stage={stage} vars={cols} rows={rows}")
    print(f"HiGHS: status={status} optimum={value:.0f} bound={bound:.0f} time={seconds:.1f}s")
    print(f"ours: objective={ours} solve={record['solve_seconds']:.3f}s gap={gap:+.3f}%")


if __name__ == "__main__":
    main()
