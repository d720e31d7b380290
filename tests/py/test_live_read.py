#!/usr/bin/python3
"""Live reads of a running run's .part (docs/output.md, "Reading a running run"): a SWMR reader
that refreshes `progress`, then refreshes a dataset and slices it to progress, always sees
exactly the rows of the finished file. Checked on a compressed run, with the reader keeping the
file open (refreshing) and with the reader reopening it at every poll."""
import os
import subprocess
import sys
import tempfile
import time
import unittest

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CSSIM = os.environ.get("CSSIM", os.path.join(ROOT, "build", "cssim"))
NAMES = ["national/grade_counts", "summary/undetected_failure_years", "panel/grade"]


def read_live(f, scen):
    """The documented protocol: refresh progress, read it, then refresh and slice."""
    prog = f[f"scenarios/{scen}/progress"]
    prog.refresh()
    done = int(prog[0])
    out = {}
    for n in NAMES:
        d = f[f"scenarios/{scen}/{n}"]
        d.refresh()
        out[n] = d[:done]
    return done, out


class LiveRead(unittest.TestCase):
    def run_and_poll(self, reopen):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "live.h5")
            part = out + ".part"
            args = [CSSIM, "run", os.path.join(ROOT, "scenarios", "baseline.yaml"), "-o", out,
                    "-n", "480", "-j", "1", "-q", "--set", "time.horizon_years=3",
                    "--set", "output.compression=4",
                    # a commit every 16 replications: many progress updates to read live
                    "--commit-events", "0"]
            proc = subprocess.Popen(args)
            reads = []
            f = None
            try:
                while proc.poll() is None:
                    time.sleep(0.05)
                    if not os.path.exists(part):
                        continue
                    try:
                        if f is None or reopen:
                            if f is not None:
                                f.close()
                            f = h5py.File(part, "r", libver="latest", swmr=True)
                        scen = list(f["scenarios"].keys())[0]
                        done, rows = read_live(f, scen)
                    except (OSError, KeyError, RuntimeError):
                        # not yet in SWMR mode (objects being created), or renamed at the end
                        if f is not None:
                            f.close()
                        f = None
                        continue
                    if done > 0:
                        reads.append((scen, done, rows))
                    time.sleep(0.15)
            finally:
                if f is not None:
                    f.close()
                proc.wait()
            self.assertEqual(proc.returncode, 0)
            self.assertGreaterEqual(len(reads), 3, "too few live reads to test anything")
            bad = 0
            with h5py.File(out, "r") as g:
                for scen, done, rows in reads:
                    for n, v in rows.items():
                        final = g[f"scenarios/{scen}/{n}"][:done]
                        if not np.array_equal(final, v, equal_nan=v.dtype.kind == "f"):
                            bad += 1
            print(f"live reads ({'reopen' if reopen else 'refresh'}): {len(reads)} polls, "
                  f"{bad} differing slices")
            self.assertEqual(bad, 0)

    def test_reader_refreshing(self):
        self.run_and_poll(reopen=False)

    def test_reader_reopening(self):
        self.run_and_poll(reopen=True)


if __name__ == "__main__":
    unittest.main()
