#!/usr/bin/python3
"""`cssim info` on crafted files (issue 17): a `date` axis longer than `time`, a `progress`
far beyond the replications, and both at once, end with a message and status 0-2, never a
crash (the buffers were sized from one dataset and filled from another, or from progress)."""
import os
import shutil
import subprocess
import tempfile
import unittest

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CSSIM = os.environ.get("CSSIM", os.path.join(ROOT, "build", "cssim"))


class CraftedInfo(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.base = os.path.join(cls.tmp.name, "base.h5")
        subprocess.run([CSSIM, "run", os.path.join(ROOT, "scenarios", "baseline.yaml"), "-o",
                        cls.base, "-n", "3", "-q", "--set", "time.horizon_years=1",
                        "--set", "authorities.limit=10"], check=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def crafted(self, name, edit):
        path = os.path.join(self.tmp.name, name + ".h5")
        shutil.copy(self.base, path)
        with h5py.File(path, "r+") as f:
            s = f["scenarios"][list(f["scenarios"].keys())[0]]
            edit(s)
        return path

    def info(self, path):
        r = subprocess.run([CSSIM, "info", path], capture_output=True, text=True, timeout=30)
        self.assertIn(r.returncode, (0, 1, 2), r.stderr)
        return r

    def test_longer_date_axis(self):
        def edit(s):
            n = s["date"].shape[0]
            del s["date"]
            s["date"] = np.array([b"2016-01-01"] * (n * 50), dtype="S10")
        r = self.info(self.crafted("dates", edit))
        self.assertNotEqual(r.returncode, 0, "a mismatched date axis must be reported")

    def test_huge_progress(self):
        def edit(s):
            s["progress"][0] = np.uint64(2**62)
        r = self.info(self.crafted("progress", edit))
        self.assertNotEqual(r.returncode, 0, "an impossible progress must be reported")

    def test_long_date_strings(self):
        def edit(s):
            n = s["date"].shape[0]
            del s["date"]
            s["date"] = np.array([b"x" * 4000] * n, dtype="S4000")
        self.info(self.crafted("longdates", edit))


if __name__ == "__main__":
    unittest.main()
