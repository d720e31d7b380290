"""Reading cssim output files (docs/output.md) into tidy pandas frames and xarray objects.

A run is one or more HDF5 files written by `cssim run`. Every scenario (sweep point) is a
group /scenarios/<name>; this module turns its datasets into frames with one row per
replication, date and category, with enumerations decoded to their names.

Files are opened per call and closed again, so a `Run` holds no HDF5 handle and can be kept
while cssim writes other files. A `.part` file (an interrupted or killed run) opens too: when a
plain open refuses it (the writer left the SWMR flag set), `open_h5` retries with `swmr=True`,
and every read is sliced to the committed prefix (`progress`).
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field

import h5py
import numpy as np
import pandas as pd

# Names of the before/after codes of the event types whose codes are enumerations
# (models/regime.c, models/inspect.c). Others keep their integer codes.
GRADES = ("outstanding", "good", "ri", "inadequate")
GOVERNANCE = ("council", "notice", "commissioner", "partner", "trust_setup", "trust")
REPORT_CHOICES = ("stay", "partner", "trust")
# The `before` code of inspection_requested / _started / _completed (models/inspect.c) and the
# `after` code of inspection_started (docs/output.md, "events: what each event type records").
REASONS = ("routine", "reinspection", "emergency", "trust", "monitoring", "focused")
KINDS = ("sif", "ilacs_standard", "ilacs_short", "focused", "monitoring")
DAYS_PER_YEAR = 365.25  # models/model.c: t_end = horizon_years * 365.25
# (event type, field, labels): which before/after codes `Run.events()` names.
EVENT_LABELS = (("judgement_published", "before", GRADES), ("judgement_published", "after", GRADES),
                ("inspection_completed", "after", GRADES),
                ("governance_change", "before", GOVERNANCE),
                ("governance_change", "after", GOVERNANCE),
                ("commissioner_report", "after", REPORT_CHOICES),
                ("inspection_requested", "before", REASONS),
                ("inspection_started", "before", REASONS), ("inspection_started", "after", KINDS),
                ("inspection_completed", "before", REASONS))


def open_h5(path):
    """h5py.File(path, "r"), retried with swmr=True when HDF5 refuses a file whose writer was
    killed (a `.part` keeps the SWMR-write flag set; docs/output.md, "Reading a .part")."""
    try:
        return h5py.File(path, "r")
    except OSError as first:
        try:
            return h5py.File(path, "r", swmr=True)
        except OSError:
            raise first


def _s(v):
    """An attribute value as a Python string (HDF5 strings may come back as bytes)."""
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.ndarray) and v.shape == ():
        return _s(v[()])
    return v


def _strings(a):
    return [_s(x) for x in np.asarray(a).ravel()]


def _value(text):
    """A resolved-parameter attribute (YAML scalar text) as a number, bool, None or string."""
    t = str(_s(text)).strip()
    if t in ("~", "null", ""):
        return None
    if t in ("true", "false"):
        return t == "true"
    try:
        v = float(t)
        return int(v) if v.is_integer() and "." not in t and "e" not in t.lower() else v
    except ValueError:
        pass
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "\"'":
        return t[1:-1]
    return t


def _attrs(obj):
    out = {}
    for k, v in obj.attrs.items():
        if k in ("DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME"):
            continue
        v = _s(v)
        if isinstance(v, np.ndarray):
            v = _strings(v) if v.dtype.kind in "OS" else v.tolist()
        elif isinstance(v, np.generic):
            v = v.item()
        out[k] = v
    return out


def _is_scale(ds):
    """A dimension scale (time, date, replication, label axes) rather than a data variable."""
    return _s(ds.attrs.get("CLASS", b"")) == "DIMENSION_SCALE" if "CLASS" in ds.attrs else False


def _enum_names(dtype):
    """{code: name} for an HDF5 enum dtype, or None."""
    m = h5py.check_enum_dtype(dtype)
    return None if m is None else {int(v): k for k, v in m.items()}


def _dim_labels(ds):
    lab = ds.attrs.get("DIMENSION_LABELS")
    if lab is not None:
        lab = _strings(lab)
        if len(lab) == ds.ndim and all(lab):
            return lab
    return ["replication", "time", "authority"][: ds.ndim] if ds.ndim <= 3 else None


@dataclass
class _Where:
    path: str
    group: str          # "scenarios/<name>" in that file
    file_index: int


@dataclass
class Run:
    """One or more cssim output files. Build with `load()`."""

    paths: list
    scenarios: list
    provenance: dict                       # root attributes of the first file
    provenance_by_file: list = field(default_factory=list)
    _where: dict = field(default_factory=dict, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    # ---- files and provenance ------------------------------------------------------------
    def _open(self, scenario):
        if scenario not in self._where:
            raise KeyError(f"no scenario {scenario!r}; the run has {self.scenarios}")
        w = self._where[scenario]
        f = open_h5(w.path)
        return f, f[w.group]

    @property
    def common_seed(self):
        """True when every file was run with the same master seed (common random numbers)."""
        seeds = {p.get("seed") for p in self.provenance_by_file}
        return len(seeds) == 1

    def seed(self, scenario):
        return self.provenance_by_file[self._where[scenario].file_index].get("seed")

    def horizon_days(self, scenario=None):
        i = self._where[scenario].file_index if scenario else 0
        return float(self.provenance_by_file[i]["horizon_years"]) * DAYS_PER_YEAR

    def start_date(self, scenario=None):
        i = self._where[scenario].file_index if scenario else 0
        return pd.Timestamp(self.provenance_by_file[i]["start_date"])

    def info(self, scenario):
        """Scenario attributes: sweep_point, scenario_text, replications done, ..."""
        key = ("info", scenario)
        if key not in self._cache:
            f, g = self._open(scenario)
            with f:
                d = _attrs(g)
                d["name"] = scenario
                d["file"] = self._where[scenario].path
                d["replications"] = self._nrep(g)
            self._cache[key] = d
        return self._cache[key]

    def parameters(self, scenario):
        """Fully resolved parameters of a scenario: {key: value} (numbers parsed)."""
        key = ("par", scenario)
        if key not in self._cache:
            f, g = self._open(scenario)
            with f:
                pa = g["parameters"].attrs if "parameters" in g else {}
                self._cache[key] = {k: _value(v) for k, v in pa.items()}
        return dict(self._cache[key])

    def parameter_table(self, scenarios=None, only_differing=True):
        """One row per scenario, one column per parameter (by default: those that differ)."""
        scenarios = scenarios or self.scenarios
        df = pd.DataFrame({s: self.parameters(s) for s in scenarios}).T
        if only_differing and len(df) > 1:
            keep = [c for c in df.columns if df[c].astype(str).nunique() > 1]
            df = df[keep]
        df.index.name = "scenario"
        return df

    @staticmethod
    def _nrep(g):
        n = None
        if "progress" in g:
            n = int(g["progress"][0])
        for sub in ("summary", "national", "panel"):
            if sub in g:
                for v in g[sub].values():
                    if isinstance(v, h5py.Dataset) and v.ndim >= 1 and "DIMENSION_LABELS" in v.attrs:
                        m = v.shape[0]
                        return m if n is None else min(n, m)
        return n or 0

    def replications(self, scenario):
        return self.info(scenario)["replications"]

    # ---- time ---------------------------------------------------------------------------
    def time(self, scenario):
        """DataFrame of the snapshot grid: time_days and date."""
        key = ("time", scenario)
        if key not in self._cache:
            f, g = self._open(scenario)
            with f:
                if "time" in g:
                    t = g["time"][()]
                else:
                    t = g["national/time"][()] if "national/time" in g else None
                d = pd.to_datetime(_strings(g["date"][()])) if "date" in g else None
            if t is None and d is not None:
                t = (d - self.start_date(scenario)).days.values.astype(float)
            if d is None:
                d = self.start_date(scenario) + pd.to_timedelta(np.floor(t), unit="D")
            self._cache[key] = pd.DataFrame({"time_days": np.asarray(t, float), "date": d})
        return self._cache[key].copy()

    # ---- national series ------------------------------------------------------------------
    def national_names(self, scenario):
        key = ("national_names", scenario)
        if key not in self._cache:
            f, g = self._open(scenario)
            with f:
                self._cache[key] = [] if "national" not in g else [
                    k for k, v in g["national"].items()
                    if isinstance(v, h5py.Dataset) and v.ndim >= 2 and not _is_scale(v)]
        return list(self._cache[key])

    def _read(self, scenario, rel):
        """(values [replications,...], dim labels, {dim: coordinate labels}, attrs, enum).
        National series are small and kept (cached); panels are read each time."""
        key = ("read", scenario, rel)
        if key in self._cache:
            return self._cache[key]
        out = self._read_uncached(scenario, rel)
        if rel.startswith("national/"):
            if isinstance(out[0], np.ndarray):
                out[0].setflags(write=False)   # shared by later calls: nobody may change it
            self._cache[key] = out
        return out

    def _read_uncached(self, scenario, rel):
        f, g = self._open(scenario)
        with f:
            if rel not in g:
                raise KeyError(f"{scenario}: no dataset {rel} (not recorded: the scenario's "
                               "output.national, output.panel, output.events or output.only "
                               "left it out)")
            ds = g[rel]
            n = self._nrep(g)
            x = ds[:n] if ds.ndim >= 1 else ds[()]
            dims = _dim_labels(ds)
            coords = {}
            parent = ds.parent
            for d in dims[2:] if dims else []:
                if d in parent and parent[d].ndim == 1:
                    coords[d] = _strings(parent[d][()])
                elif d == "authority":
                    coords[d] = _strings(f["authorities/authority"][()]) \
                        if "authorities/authority" in f else None
            enum = _enum_names(ds.dtype)
            return x, dims, coords, _attrs(ds), enum

    def national(self, scenario, series):
        """Tidy frame of national/<series>: scenario, replication, time_days, date,
        [label column named after the last dimension, e.g. grade], value."""
        x, dims, coords, _, _ = self._read(scenario, f"national/{series}")
        tm = self.time(scenario)
        nr, nt = x.shape[:2]
        if x.ndim == 2:
            df = pd.DataFrame({
                "replication": np.repeat(np.arange(nr), nt),
                "time_days": np.tile(tm.time_days.values, nr),
                "date": np.tile(tm.date.values, nr),
                "value": x.reshape(-1),
            })
        else:
            nl = x.shape[2]
            lab = coords.get(dims[2]) or [str(i) for i in range(nl)]
            df = pd.DataFrame({
                "replication": np.repeat(np.arange(nr), nt * nl),
                "time_days": np.tile(np.repeat(tm.time_days.values, nl), nr),
                "date": np.tile(np.repeat(tm.date.values, nl), nr),
                dims[2]: pd.Categorical(np.tile(lab, nr * nt), categories=lab),
                "value": x.reshape(-1),
            })
        df.insert(0, "scenario", scenario)
        return df

    def national_array(self, scenario, series):
        """national/<series> as a labelled xarray.DataArray (replication, date[, label])."""
        import xarray as xr
        x, dims, coords, attrs, _ = self._read(scenario, f"national/{series}")
        tm = self.time(scenario)
        c = {"replication": np.arange(x.shape[0]), "date": tm.date.values,
             "time_days": ("date", tm.time_days.values)}
        d = ["replication", "date"] + list(dims[2:])
        for k in dims[2:]:
            if coords.get(k):
                c[k] = coords[k]
        return xr.DataArray(x, dims=d, coords=c, name=series, attrs=attrs)

    def national_wide(self, scenario, names=None):
        """One row per (replication, date), one column per scalar national series."""
        names = names or [n for n in self.national_names(scenario)]
        tm = self.time(scenario)
        out = None
        for n in names:
            x, *_ = self._read(scenario, f"national/{n}")
            if x.ndim != 2:
                continue
            if out is None:
                nr, nt = x.shape
                out = pd.DataFrame({"replication": np.repeat(np.arange(nr), nt),
                                    "time_days": np.tile(tm.time_days.values, nr),
                                    "date": np.tile(tm.date.values, nr)})
            out[n] = x.reshape(-1)
        if out is not None:
            out.insert(0, "scenario", scenario)
        return out

    def national_dataset(self, scenario):
        """The whole national group as an xarray.Dataset (opened with engine="h5netcdf")."""
        import xarray as xr
        w = self._where[scenario]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return xr.open_dataset(w.path, engine="h5netcdf", group=f"{w.group}/national",
                                   phony_dims="access", decode_timedelta=False).load()

    # ---- panel ------------------------------------------------------------------------------
    def panel_names(self, scenario):
        f, g = self._open(scenario)
        with f:
            return [k for k, v in g["panel"].items() if isinstance(v, h5py.Dataset)
                    and v.ndim == 3] if "panel" in g else []

    def panel(self, scenario, var, replications=None):
        """Tidy frame of panel/<var>: scenario, replication, time_days, date, authority
        (code), value (enum names as a Categorical for grade and governance)."""
        x, dims, coords, _, enum = self._read(scenario, f"panel/{var}")
        if replications is not None:
            reps = np.atleast_1d(replications)
            x = x[reps]
        else:
            reps = np.arange(x.shape[0])
        tm = self.time(scenario)
        nr, nt, na = x.shape
        codes = coords.get("authority") or list(self.authorities()["authority"])
        vals = x.reshape(-1)
        if enum:
            cats = [enum[k] for k in sorted(enum)]
            vals = pd.Categorical.from_codes(vals.astype(int), categories=cats)
        df = pd.DataFrame({
            "scenario": scenario,
            "replication": np.repeat(reps, nt * na),
            "time_days": np.tile(np.repeat(tm.time_days.values, na), nr),
            "date": np.tile(np.repeat(tm.date.values, na), nr),
            "authority": pd.Categorical(np.tile(codes, nr * nt), categories=codes),
            "value": vals,
        })
        return df

    def panel_array(self, scenario, var):
        import xarray as xr
        x, dims, coords, attrs, enum = self._read(scenario, f"panel/{var}")
        tm = self.time(scenario)
        codes = coords.get("authority") or list(self.authorities()["authority"])
        if enum:
            attrs = dict(attrs, flag_values=sorted(enum), flag_meanings=" ".join(
                enum[k] for k in sorted(enum)))
        return xr.DataArray(x, dims=["replication", "date", "authority"], name=var, attrs=attrs,
                            coords={"replication": np.arange(x.shape[0]), "date": tm.date.values,
                                    "authority": codes,
                                    "time_days": ("date", tm.time_days.values)})

    # ---- per-replication scalars -------------------------------------------------------------
    def summary(self, scenario):
        """One row per replication, one column per summary/<name> (float64)."""
        key = ("summary", scenario)
        if key not in self._cache:
            self._cache[key] = self._summary(scenario)
        return self._cache[key].copy()

    def _summary(self, scenario):
        f, g = self._open(scenario)
        with f:
            n = self._nrep(g)
            cols = {k: v[:n] for k, v in g["summary"].items()
                    if isinstance(v, h5py.Dataset) and v.ndim == 1 and not _is_scale(v)
                    and k not in ("replication", "time", "date")}
        df = pd.DataFrame(cols)
        df.index.name = "replication"
        return df

    def summary_units(self, scenario):
        f, g = self._open(scenario)
        with f:
            return {k: (_s(v.attrs.get("units", "")), _s(v.attrs.get("long_name", "")))
                    for k, v in g["summary"].items() if isinstance(v, h5py.Dataset)}

    def authority_stats(self, scenario, name=None):
        """Tidy frame of authority_stats: replication, authority, one column per statistic
        (or only `name`)."""
        f, g = self._open(scenario)
        with f:
            n = self._nrep(g)
            grp = g["authority_stats"]
            names = [name] if name else [k for k, v in grp.items()
                                         if isinstance(v, h5py.Dataset) and v.ndim == 2]
            data = {k: grp[k][:n] for k in names}
        codes = list(self.authorities()["authority"])
        nr, na = next(iter(data.values())).shape
        df = pd.DataFrame({"scenario": scenario, "replication": np.repeat(np.arange(nr), na),
                           "authority": pd.Categorical(np.tile(codes[:na], nr), categories=codes)})
        for k, v in data.items():
            df[k] = v.reshape(-1)
        return df

    def drawn(self, scenario):
        """This scenario's per-replication draws of uncertain parameters (or an empty frame)."""
        f, g = self._open(scenario)
        with f:
            if "drawn" not in g:
                return pd.DataFrame()
            n = self._nrep(g)
            cols = {k: v[:n] for k, v in g["drawn"].items()
                    if isinstance(v, h5py.Dataset) and v.ndim == 1 and not _is_scale(v)
                    and k != "replication" and v.dtype.kind == "f"}
        return pd.DataFrame(cols).rename_axis("replication")

    def table(self, scenarios=None, drawn=True):
        """One tidy table across scenarios (sweep points, or files run with one seed): one row
        per (scenario, replication); columns scenario, replication, one column per parameter
        that differs between the scenarios (the swept values, numbers parsed), every
        summary/<name>, and (drawn=True) every drawn/<key> as `drawn:<key>`."""
        scenarios = list(scenarios or self.scenarios)
        swept = self.parameter_table(scenarios, only_differing=True) if len(scenarios) > 1 \
            else pd.DataFrame(index=pd.Index(scenarios, name="scenario"))
        swept = swept.drop(columns=[c for c in swept.columns if c.startswith("meta.")],
                           errors="ignore")
        frames = []
        for s in scenarios:
            d = self.summary(s).reset_index()
            for c in swept.columns:
                d.insert(len(d.columns) - len(self.summary(s).columns), c, swept.loc[s, c])
            if drawn:
                dr = self.drawn(s)
                for c in dr.columns:
                    d[f"drawn:{c}"] = dr[c].values[:len(d)]
            d.insert(0, "scenario", s)
            frames.append(d)
        out = pd.concat(frames, ignore_index=True)
        for c in swept.columns:  # numbers stay numbers when every point has one
            num = pd.to_numeric(out[c], errors="coerce")
            if num.notna().all():
                out[c] = num
        return out

    # ---- events ----------------------------------------------------------------------------------
    def event_types(self, scenario):
        """{name: code} of the events table's type enumeration."""
        f, g = self._open(scenario)
        with f:
            if "events" not in g:
                return {}
            return dict(h5py.check_enum_dtype(g["events"].dtype["type"]) or {})

    def events_raw(self, scenario, types=None):
        """The committed rows of the events table as a numpy structured array (fields
        replication, time, authority, type, before, after, value; type as its integer code),
        optionally only the rows of the given type names, in file order. Fast: no pandas."""
        f, g = self._open(scenario)
        with f:
            if "events" not in g:
                raise KeyError(f"{scenario}: no events table (output.events was false)")
            ds = g["events"]
            # only the committed rows (a .part file may hold more)
            ne = int(g["progress"][1]) if "progress" in g and g["progress"].shape[0] > 1 \
                else ds.shape[0]
            ev = ds[:min(ne, ds.shape[0])]
            tnames = dict(h5py.check_enum_dtype(ds.dtype["type"]) or {})
        if types is not None:
            types = [types] if isinstance(types, str) else list(types)
            codes = [tnames[t] for t in types if t in tnames]
            ev = ev[np.isin(ev["type"], codes)]
        return ev

    def events(self, scenario, types=None):
        """The event table: scenario, replication, seq (order within the replication),
        time_days, date, authority (index, -1 national), authority_code, type (names),
        before, after, value, and before_label/after_label where the codes are grades,
        governance states, commissioner decisions, visit reasons (REASONS: the before code of
        inspection_requested/_started/_completed) or inspection kinds (KINDS: the after code of
        inspection_started)."""
        f, g = self._open(scenario)
        with f:
            if "events" not in g:
                raise KeyError(f"{scenario}: no events table (output.events was false)")
            tnames = _enum_names(g["events"].dtype["type"]) or {}
        ev = self.events_raw(scenario)
        df = pd.DataFrame({k: ev[k] for k in ev.dtype.names})
        del ev
        cats = [tnames[k] for k in sorted(tnames)] if tnames else None
        if cats:
            df["type"] = pd.Categorical.from_codes(df["type"].astype(int), categories=cats)
        df["replication"] = df["replication"].astype(np.int64)
        # position within the replication: ties at one time keep the order they happened in
        rep = df["replication"].values
        first = np.r_[0, np.flatnonzero(np.diff(rep)) + 1] if len(rep) else np.zeros(0, int)
        starts = np.repeat(first, np.diff(np.r_[first, len(rep)]))
        df["seq"] = np.arange(len(rep)) - starts
        df["time_days"] = df.pop("time")
        df["date"] = self.start_date(scenario) + pd.to_timedelta(np.floor(df["time_days"]),
                                                                 unit="D")
        codes = np.asarray(self.authorities()["authority"], dtype=object)
        a = df["authority"].values
        df["authority_code"] = np.where(a >= 0, codes[np.clip(a, 0, len(codes) - 1)], None)
        df["before_label"] = None
        df["after_label"] = None
        t = df["type"].astype(str).values
        for typ, col, labels in EVENT_LABELS:
            m = t == typ
            if not m.any():
                continue
            lab = np.asarray(labels, dtype=object)
            v = df.loc[m, col].values.astype(int)
            ok = (v >= 0) & (v < len(lab))
            out = np.full(len(v), None, dtype=object)
            out[ok] = lab[v[ok]]
            df.loc[m, col + "_label"] = out
        df.insert(0, "scenario", scenario)
        cols = ["scenario", "replication", "seq", "time_days", "date", "authority",
                "authority_code", "type", "before", "after", "value", "before_label",
                "after_label"]
        df = df[cols]
        if types is not None:
            types = [types] if isinstance(types, str) else list(types)
            df = df[df["type"].isin(types)].reset_index(drop=True)
        return df

    def has_events(self, scenario):
        f, g = self._open(scenario)
        with f:
            return "events" in g and g["events"].shape[0] > 0

    # ---- authorities ------------------------------------------------------------------------------
    def authorities(self):
        """The authority table (/authorities): one row per authority, in model order."""
        if "auth" not in self._cache:
            with open_h5(self.paths[0]) as f:
                cols = {}
                for k, v in f["authorities"].items():
                    if not isinstance(v, h5py.Dataset) or v.ndim != 1:
                        continue
                    x = v[()]
                    enum = _enum_names(v.dtype)
                    if enum:
                        x = [enum.get(int(i)) for i in x]
                    elif x.dtype.kind in "OS":
                        x = _strings(x)
                    cols[k] = x
            df = pd.DataFrame(cols)
            if "authority" in df:
                df = df[["authority"] + [c for c in df.columns if c != "authority"]]
            self._cache["auth"] = df
        return self._cache["auth"].copy()


def load(paths):
    """Opens one or more cssim output files. Scenario names are the group names; a name found
    in two files gets the second file's stem as a prefix ("<stem>/<name>")."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [os.fspath(p) for p in paths]
    scenarios, where, provs = [], {}, []
    for i, p in enumerate(paths):
        with open_h5(p) as f:
            prov = _attrs(f)
            provs.append(prov)
            names = prov.get("scenarios")
            if isinstance(names, str):
                names = [names]
            if not names:
                names = list(f["scenarios"].keys()) if "scenarios" in f else []
            for n in names:
                if f"scenarios/{n}" not in f:
                    continue
                key = n if n not in where else f"{os.path.splitext(os.path.basename(p))[0]}/{n}"
                where[key] = _Where(p, f"scenarios/{n}", i)
                scenarios.append(key)
    if not paths:
        raise ValueError("no file given")
    return Run(paths=paths, scenarios=scenarios, provenance=provs[0], provenance_by_file=provs,
               _where=where)
