#!/usr/bin/python3
"""The calibration figures quoted in docs/calibration.md are those of the committed reports:
the parameter table of calibration/report.md appears verbatim in the docs, the distance and the
number of targets outside their 90% interval that the docs quote for each fit (the main fit and
the time-split fit in calibration/to2017/) match the report's, and both reports met their
convergence targets, as the docs say. The fingerprint test already fails when a report is stale
against its inputs; this one fails when the docs are stale against the report (a regenerated
fit whose figures were not copied). Likewise docs/cluster.md's table of MPI weak scaling is the
committed bench/results/mpi_scaling.md's, row for row."""
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
    for msg in failures:
        print("FAIL:", msg)
    if failures:
        return 1
    print(f"ok: docs/calibration.md quotes the committed reports ({len(rows)} parameter rows); "
          f"docs/cluster.md the MPI scaling table ({len(scaling)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
