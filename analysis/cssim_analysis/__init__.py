"""cssim_analysis: load cssim HDF5 output into pandas / xarray and answer the model's questions.

Import with PYTHONPATH=<repo>/analysis as `cssim_analysis` (the documented way), or with
PYTHONPATH=<repo> as `analysis.cssim_analysis`. Only Debian's /usr/bin/python3 with
python3-h5py, -numpy, -pandas, -scipy, -xarray, -h5netcdf and -matplotlib is needed.

    import cssim_analysis as ca
    run = ca.load("out.h5")
    run.scenarios, run.provenance
    run.national("baseline", "grade_counts")      # tidy frame
    ca.grade_share_fan(run, "baseline")            # median and 50% / 90% bands
    curves, table = ca.km_by_route(run, "baseline")
    ca.compare(run, reference="baseline")          # paired CIs under common random numbers
    run.table()                                    # one tidy table across sweep points
"""
from .compare import KEY_METRICS, available_metrics, compare, levels, metric_values, paired, tci
from .loader import GOVERNANCE, GRADES, Run, load
from .episodes import at_risk_table, commissioner_episodes, trust_episodes
from .loader import EVENT_LABELS, KINDS, REASONS, open_h5
from .outcomes import (BANDS, ROUTES, backlog, fan, fan_array, governance_counts, grade_counts,
                       grade_share_fan, grade_shares, inadequacy_fans, inadequate_episodes,
                       judged_share_fan, kaplan_meier, km_by_route, km_median, regime_counts,
                       regime_per_year, truth, wait_table, waits, workforce)
from .select import kn_select
from .sensitivity import prcc, prcc_table

__version__ = "0.1.0"
__all__ = ["load", "Run", "GRADES", "GOVERNANCE", "ROUTES", "BANDS", "fan", "grade_counts",
           "grade_shares", "grade_share_fan", "governance_counts", "regime_counts",
           "regime_per_year", "backlog", "workforce", "truth", "inadequate_episodes",
           "kaplan_meier", "km_median", "km_by_route", "compare", "levels", "paired", "tci",
           "metric_values", "available_metrics", "KEY_METRICS", "REASONS", "KINDS",
           "EVENT_LABELS", "open_h5", "at_risk_table", "commissioner_episodes",
           "trust_episodes", "fan_array", "inadequacy_fans", "judged_share_fan", "waits",
           "wait_table", "kn_select", "prcc", "prcc_table"]
