"""Exact answers for the reference queueing model R1 of issue 15, and estimates with standard
errors from the peers' JSON (bench/peers/r1_minimal.c, r1_simpy.py). Used by
tests/py/test_r1_peers.py and bench/bench.py.

Stationary answers: the grade chain's stationary distribution pi (pi P = pi), and the
finite-source M/M/c queue with N sources (machine repair): p_k proportional to
C(N,k) r^k (k <= c) and N!/((N-k)! c! c^(k-c)) r^k (k > c), r = service/think; mean busy
teams sum min(k,c) p_k; arrivals see the (N-1)-source distribution, (N-k) p_k normalised
(the arrival theorem), so P(wait) = sum over k >= c of it, and Wq = Lq / throughput.

R1 starts empty at t = 0 (every authority thinking), and over T = 3650 days the time means
still carry that start: P(wait) about 0.9%, the mean wait 1.4% and busy teams 0.5% below
the stationary values. transient() gives the exact expectations over [0, T] from the empty start: with the
birth-death generator Q on k = 0..N, the expected time spent in each state is
e_0 int_0^T exp(Qs) ds (the top-right block of exp([[Q, I], [0, 0]] T)); arrivals in state k
come at rate (N - k)/think, and one arriving at k >= c waits (k - c + 1) services of the c
teams, mean (k - c + 1) service / c. Pooled over replications, waited/started and
sum of waits/started estimate ratios of these expectations (up to the few requests still
queued at T, about 0.05% of all).
"""
import numpy as np
from scipy.linalg import expm

N, TEAMS, THINK, SERVE, T = 152, 3, 1095.0, 14.0, 3650.0
INIT = np.array([10, 50, 60, 32], float)
P = np.array([[.55, .40, .05, 0], [.15, .65, .15, .05], [.02, .38, .45, .15],
              [0, .10, .75, .15]])


def stationary_pi(p=P):
    w, v = np.linalg.eig(p.T)
    x = np.real(v[:, np.argmin(np.abs(w - 1))])
    return x / x.sum()


def _states(n=N, c=TEAMS):
    k = np.arange(n + 1)
    return k, np.minimum(k, c), (n - k) / THINK


def stationary(n=N, c=TEAMS, think=THINK, serve=SERVE):
    r = serve / think
    p = np.zeros(n + 1)
    p[0] = 1.0
    for k in range(1, n + 1):
        p[k] = p[k - 1] * (n - k + 1) * r / min(k, c)
    p /= p.sum()
    k = np.arange(n + 1)
    lq = (np.maximum(k - c, 0) * p).sum()
    thr = ((n - k) * p).sum() / think
    pa = (n - k) * p
    pa /= pa.sum()
    return {"mean_wait": lq / thr, "p_wait": pa[c:].sum(), "busy": (np.minimum(k, c) * p).sum(),
            "inspections_per_day": thr}


def transient(horizon=T, n=N, c=TEAMS, think=THINK, serve=SERVE):
    k = np.arange(n + 1)
    up = (n - k) / think                  # arrivals in state k
    down = np.minimum(k, c) / serve       # completions in state k
    q = np.zeros((n + 1, n + 1))
    q[k[:-1], k[:-1] + 1] = up[:-1]
    q[k[1:], k[1:] - 1] = down[1:]
    q -= np.diag(q.sum(axis=1))
    a = np.zeros((2 * (n + 1), 2 * (n + 1)))
    a[:n + 1, :n + 1] = q
    a[:n + 1, n + 1:] = np.eye(n + 1)
    occ = expm(a * horizon)[0, n + 1:]    # expected days in each state, from k = 0
    arrivals = (occ * up).sum()
    waits = (occ * up * (k >= c)).sum()
    wait_sum = (occ * up * np.maximum(k - c + 1, 0) * serve / c).sum()
    return {"mean_wait": wait_sum / arrivals, "p_wait": waits / arrivals,
            "busy": (occ * np.minimum(k, c)).sum() / horizon,
            "inspections": (occ * down).sum()}


def _ratio(y, x):
    """Pooled ratio sum y / sum x and its delta-method standard error over replications."""
    y, x = np.asarray(y, float), np.asarray(x, float)
    r = y.sum() / x.sum()
    se = np.sqrt(((y - r * x) ** 2).sum() / (len(x) * (len(x) - 1))) / x.mean()
    return r, se


def _mean(x):
    x = np.asarray(x, float)
    return x.mean(), x.std(ddof=1) / np.sqrt(len(x))


def expected_counts(completions):
    """Expected grade counts at T given each authority's completions K (array R x N): the sum
    over authorities of row g0 of P^K, g0 the grades at time 0 in table order."""
    k = np.asarray(completions, int)
    g0 = np.repeat(np.arange(4), INIT.astype(int))
    pk = [np.eye(4)]
    for _ in range(k.max()):
        pk.append(pk[-1] @ P)
    pk = np.array(pk)                       # (K+1, 4, 4)
    return pk[k, g0[None, :], :].sum(axis=1)  # (R, 4)


def estimates(d):
    """{statistic: (estimate, standard error)} from one peer's JSON."""
    e = {"mean_wait": _ratio(d["wait_sum"], d["started"]),
         "p_wait": _ratio(d["waited"], d["started"]),
         "busy": _mean(d["busy"]), "inspections": _mean(d["inspections"])}
    g = np.asarray(d["grades_T"], float)
    diff = g - expected_counts(d["completions"])
    for j, name in enumerate(("O", "G", "RI", "I")):
        e["share_T_" + name] = _mean(g[:, j] / N)
        e["excess_T_" + name] = _mean(diff[:, j])
    return e


def from_cssim(path, scenario="verify_r1", horizon=T):
    """The peers' JSON fields from a cssim run of scenarios/verify/r1.yaml (HDF5): per
    replication the visits started, the sum of waits (mean_wait x started), those that waited
    (wait_probability x started), busy teams (inspector-days used / horizon, teams of one),
    inspections completed, the grade counts at the last snapshot (exactly T) and each
    authority's completions."""
    import h5py
    with h5py.File(path, "r") as f:
        g = f["scenarios/" + scenario]
        s = g["summary"]
        started = s["visits_started"][()]
        if abs(g["time"][-1] - horizon) > 1e-9:
            raise ValueError("the last snapshot is at %g, not at T = %g" % (g["time"][-1], horizon))
        return {"started": started, "wait_sum": s["mean_wait"][()] * started,
                "waited": np.round(s["wait_probability"][()] * started),
                "busy": s["inspector_days_used"][()] / horizon,
                "inspections": s["inspections_completed"][()],
                "grades_T": g["national/grade_counts"][:, -1, :],
                "completions": g["authority_stats/inspections"][()]}
