#!/usr/bin/python3
"""The calibration figures quoted in docs/calibration.md are those of the committed reports:
the parameter table of calibration/report.md appears verbatim in the docs, the distance and the
number of targets outside their 90% interval that the docs quote for each fit (the main fit and
the time-split fit in calibration/to2017/) match the report's, and both reports met their
convergence targets, as the docs say. The fingerprint test already fails when a report is stale
against its inputs; this one fails when the docs are stale against the report (a regenerated
fit whose figures were not copied). Likewise docs/cluster.md's table of MPI weak scaling is the
committed bench/results/mpi_scaling.md's, row for row, and docs/output.md quotes the committed
bench/results/latest.md's default-output overhead and two-thread efficiencies, with its commit."""
import os
import re
import sys

ROOT = os.environ.get("CSSIM_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))


def read(path):
    with open(os.path.join(ROOT, path)) as fh:
        return fh.read()


def param_rows(text):
    """The rows of the first table whose header starts with `| parameter | fit |`."""
    lines = text.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith("| parameter | fit |"))
    rows = []
    for ln in lines[i + 2:]:
        if not ln.startswith("|"):
            break
        rows.append(ln.strip())
    return rows


def report_facts(text):
    m = re.search(r"distance ([0-9.]+) over (\d+) targets", text)
    out = re.search(r"(\d+) of (\d+) targets lie outside", text)
    return {"distance": m.group(1), "targets": m.group(2),
            "outside": out.group(1) if out else None,
            "converged": "Convergence met" in text}


def bench_quotes():
    """docs/output.md's "Cost" paragraph against bench/results/latest.md's targets table."""
    report = read("bench/results/latest.md")
    commit = re.search(r"^\| commit \| ([0-9a-f]{7})", report, re.M)
    over = re.search(r"^\| default output \|[^|]*\| CPU ([+-]\d+)%", report, re.M)
    thr = re.search(r"^\| threads \|[^|]*\| (\d+)% efficiency, CPU ratio [0-9.]+ \(compute only: "
                    r"(\d+)%\)", report, re.M)
    if not (commit and over and thr):
        return ["bench/results/latest.md: no commit, default output or threads row to check"]
    flat = " ".join(read("docs/output.md").split())
    quotes = [f"committed report (commit {commit.group(1)},",
              f"default output CPU {over.group(1)}% over compute only",
              f"in the committed report {thr.group(1)}% efficiency on two threads with default "
              f"output against {thr.group(2)}% with none"]
    return [f"docs/output.md does not quote bench/results/latest.md's '{q}' (copy the figures)"
            for q in quotes if q not in flat]


def main():
    docs = read("docs/calibration.md")
    flat = " ".join(docs.split())          # prose wraps; compare with single spaces
    failures = []
    main_report = read("calibration/report.md")
    rows = param_rows(main_report)
    missing = [r for r in rows if r not in docs]
    if missing:
        failures.append("docs/calibration.md lacks these rows of calibration/report.md's "
                        "parameter table (copy the table):\n  " + "\n  ".join(missing))
    for path in ("calibration/report.md", "calibration/to2017/report.md"):
        f = report_facts(read(path))
        quoted = f"distance {f['distance']} over {f['targets']} targets"
        if quoted not in flat:
            failures.append(f"docs/calibration.md does not quote {path}'s '{quoted}'")
        if f["outside"] is not None:
            q = f"{f['outside']} of {f['targets']} targets outside"
            if q not in flat:
                failures.append(f"docs/calibration.md does not quote {path}'s '{q}'")
        if not f["converged"]:
            failures.append(f"{path}: convergence not met; the docs say the fits converged")
    scaling = [ln.strip() for ln in read("bench/results/mpi_scaling.md").splitlines()
               if re.match(r"\| \d+ \| (-|root|collective) \|", ln)]
    cluster = read("docs/cluster.md")
    if not scaling or any(r not in cluster for r in scaling):
        failures.append("docs/cluster.md lacks the rows of bench/results/mpi_scaling.md's table "
                        "(copy them):\n  " + "\n  ".join(scaling))
    failures += bench_quotes()
    for msg in failures:
        print("FAIL:", msg)
    if failures:
        return 1
    print(f"ok: docs/calibration.md quotes the committed reports ({len(rows)} parameter rows); "
          f"docs/cluster.md the MPI scaling table ({len(scaling)} rows); docs/output.md the "
          f"benchmark report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
