#!/usr/bin/python3
"""analysis/report's index.html shows every figure in a real browser: headless Chromium loads
the page and every <img> has naturalWidth > 0 (and a page with a missing image is caught); the
rendered DOM holds real tables (no markdown in <pre>) and every caption of a difference states
the sign convention (scenario minus reference).

Skips (exit 0) when chromium is not installed (Debian package: chromium).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.environ.get("CSSIM_SRC") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "analysis"))


def chromium():
    for c in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(c)
        if p:
            return p
    return None


def loaded_images(browser, page, tmp):
    """Returns (loaded, total) as counted by the page's own onload script."""
    prof = tempfile.mkdtemp(prefix="profile-", dir=tmp)
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={prof}",
           "--virtual-time-budget=10000", "--dump-dom", "file://" + os.path.abspath(page)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    m = re.search(r'data-images-loaded="(\d+)/(\d+)"', r.stdout)
    if not m:
        raise AssertionError(f"no image count in the DOM (rc {r.returncode}):\n"
                             f"{r.stdout[:500]}\n{r.stderr[-2000:]}")
    loaded_images.dom = r.stdout
    return int(m.group(1)), int(m.group(2))


def main():
    browser = chromium()
    if not browser:
        print("SKIP: chromium not installed (apt-get install -y chromium)")
        return 0
    from cssim_analysis.capacity import find_cssim
    cssim = find_cssim()
    if not cssim:
        print("FAIL: no cssim binary (set CSSIM)")
        return 1
    with tempfile.TemporaryDirectory(prefix="cssim-browser-") as tmp:
        y = os.path.join(tmp, "two.yaml")
        with open(y, "w") as fh:
            fh.write(f"extends: {os.path.join(ROOT, 'scenarios', 'baseline.yaml')}\n"
                     "meta:\n  name: two\nsweep:\n  grid:\n    inspectorate.fte: [30, 45]\n")
        h5 = os.path.join(tmp, "two.h5")
        subprocess.run([cssim, "run", y, "-o", h5, "-n", "4", "-q", "--force", "--set",
                        "authorities.limit=30", "--set", "time.horizon_years=2"], check=True)
        out = os.path.join(tmp, "report")
        subprocess.run([sys.executable, os.path.join(ROOT, "analysis", "report"), h5, "-o", out,
                        "-q"], check=True)
        pngs = [f for f in os.listdir(out) if f.endswith(".png")]
        ok, total = loaded_images(browser, os.path.join(out, "index.html"), tmp)
        print(f"index.html: {ok}/{total} images loaded ({len(pngs)} PNG files)")
        assert total == len(pngs) and total >= 8, (ok, total, pngs)
        assert ok == total, f"only {ok} of {total} images loaded"
        dom = loaded_images.dom
        tables = dom.count("<table")
        assert tables >= 8, f"only {tables} tables"
        assert "|---" not in dom, "markdown table text in the page"
        caps = re.findall(r"<figcaption><b>(Policy comparison|Capacity frontier)[^<]*</b>"
                          r"([^<]*)</figcaption>", dom)
        assert caps and all("scenario minus reference" in c.lower() for _, c in caps), caps
        print(f"{tables} tables; {len(caps)} difference captions state the sign")
        # negative control: a missing figure must show up in the count
        os.remove(os.path.join(out, sorted(pngs)[0]))
        ok2, total2 = loaded_images(browser, os.path.join(out, "index.html"), tmp)
        assert (ok2, total2) == (total - 1, total), (ok2, total2)
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
