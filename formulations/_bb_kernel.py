"""The compiled part of ``bb-flowshop`` (:mod:`offloadsched.formulations.bb_flowshop`): the depth-first
search over prefix/suffix nodes with the one-machine bound LB1 and the two-machine bound LB2 of all the
children of a node at once.

LB2 of all the children in O(P n), P machine pairs (instead of O(P n) per child): for a pair (k, l)
with lags, Johnson's order of the node's unscheduled jobs has the two-machine makespan

    C_l = max(T_l + B, max_u (T_k + A_u + lag_u + B_u)),    A_u = a_1 + .. + a_u,  B_u = b_u + .. + b_r

(a = times on k, b = times on l, T = the machines' release times).  A child removes one job j and keeps
the order of the others, so with V_u = A_u + lag_u + B_u its value is ``max(T_l + B - b_j, T_k + W_j)``,
``W_j = max(max_{u before j} V_u - b_j, max_{u after j} V_u - a_j)``: one pass for the prefix maxima,
one for the suffix maxima, and O(1) per child and pair.  A forward child (j appended to the prefix)
changes the release times, a backward child (j prepended to the suffix) the tails; W is the same.

LB1 of a child in O(m) after O(r m) per node (r unscheduled jobs): each job's completion when appended
to the prefix and its length when prepended to the suffix, and per machine the two smallest release
times and tails of the unscheduled jobs (a child's other jobs have the smallest that is not its own).

Compiled with numba (``cache=True``: on disk after the first run; ``nogil=True``: several workers run
it in threads at once).  The per-node and per-child loops call no other compiled function: a call with
array arguments increments and decrements their reference counts atomically, which took about 60 %
of the time per node (measured with ``perf`` on ta030); one call per node (:func:`pair_tables`,
:func:`_direction`) is cheap.
"""

from __future__ import annotations

import numpy as np
from numba import njit

BIG = np.int64(1) << np.int64(40)


@njit(cache=True, nogil=True)
def pair_tables(p, pairs, jorder, lag, rank, kp, inu, total, w, pm, pre, seq, vals):
    """For the machine pairs ``t = rank[:kp]`` = (k1, k2): fill ``w[t, j]`` (W_j above) for the
    unscheduled jobs ``inu`` and ``pm[t]`` = max_u V_u (the node's own two-machine value without
    release times); O(kp n).  One call per node: the loops are inline (a call per pair or per child
    would count references to every array argument, atomically)."""
    n = p.shape[0]
    for r in range(kp):
        t = rank[r]
        k1 = pairs[t, 0]
        k2 = pairs[t, 1]
        tot2 = total[k2]
        acum = 0
        bcum = 0
        best = -BIG
        cnt = 0
        for i in range(n):
            j = jorder[t, i]
            if inu[j]:
                acum += p[j, k1]
                v = acum + lag[t, j] + tot2 - bcum
                bcum += p[j, k2]
                pre[j] = best
                if v > best:
                    best = v
                seq[cnt] = j
                vals[cnt] = v
                cnt += 1
        sm = -BIG
        for c in range(cnt - 1, -1, -1):
            j = seq[c]
            x = pre[j] - p[j, k2]
            y = sm - p[j, k1]
            w[t, j] = x if x > y else y
            if vals[c] > sm:
                sm = vals[c]
        pm[t] = best


@njit(cache=True, nogil=True)
def _direction(lbf, lbb, r, ub):
    """Forward (True) or backward: the side with fewer children below ``ub``, ties to the larger sum
    of bounds (MinBranch)."""
    nf = 0
    nb = 0
    sf = 0
    sb = 0
    for i in range(r):
        sf += lbf[i]
        sb += lbb[i]
        if lbf[i] < ub:
            nf += 1
        if lbb[i] < ub:
            nb += 1
    return nf < nb or (nf == nb and sf >= sb)


@njit(cache=True, nogil=True)
def search(p, pairs, jorder, lag, rank, wins, npairs, explore, s_perm, s_l1, s_l2, s_c1, s_c2, s_lb, s_w, sp, shared,
           best, mode, max_nodes):
    """Depth-first search from the stack's ``sp`` nodes, at most ``max_nodes`` expansions.

    ``shared[0]`` is the incumbent makespan (lowered here, read at every node: several workers share
    it); ``best[:n]`` receives this worker's improving sequences and ``best[n]`` their makespan.
    ``mode`` 1: the direction by LB1's surviving children, LB2 on the chosen side; 2: LB2 on both
    sides before choosing (``npairs`` 0: LB1 alone, no pair ever tried).  Returns (sp, nodes
    expanded, weight of the closed nodes, out of room): a node's weight is split evenly among its
    children (an estimate of the explored share)."""
    n, m = p.shape
    cap = s_lb.shape[0]
    npair_all = pairs.shape[0]
    inu = np.zeros(n, dtype=np.bool_)
    total = np.zeros(m, dtype=np.int64)
    lo1 = np.zeros((2, m), dtype=np.int64)  # per machine: the smallest release time (0) and tail (1)
    lo2 = np.zeros((2, m), dtype=np.int64)  # of an unscheduled job, the second smallest,
    loj = np.zeros((2, m), dtype=np.int64)  # and the job with the smallest
    h1, h2, hj = lo1[0], lo2[0], loj[0]
    q1, q2, qj = lo1[1], lo2[1], loj[1]
    lbf = np.zeros(n, dtype=np.int64)
    lbb = np.zeros(n, dtype=np.int64)
    fw = np.zeros((n, m), dtype=np.int64)
    bw = np.zeros((n, m), dtype=np.int64)
    kids = np.zeros(n, dtype=np.int64)
    kid_lb = np.zeros(n, dtype=np.int64)
    w = np.zeros((max(npair_all, 1), n), dtype=np.int64)
    pm = np.zeros(max(npair_all, 1), dtype=np.int64)
    pre = np.zeros(n, dtype=np.int64)
    seq = np.zeros(n, dtype=np.int64)
    vals = np.zeros(n, dtype=np.int64)
    perm = np.empty_like(s_perm[0])
    c1 = np.zeros(m, dtype=np.int64)
    c2 = np.zeros(m, dtype=np.int64)
    buf = np.zeros(m, dtype=np.int64)
    nodes = 0
    closed = 0.0
    room = False
    ub = shared[0]
    while sp > 0 and nodes < max_nodes:
        if shared[0] < ub:
            ub = shared[0]
        sp -= 1
        wt = s_w[sp]
        if s_lb[sp] >= ub:
            closed += wt
            continue
        l1 = s_l1[sp]
        l2 = s_l2[sp]
        r = l2 - l1
        if sp + r > cap:
            sp += 1
            room = True
            break
        nodes += 1
        for i in range(n):
            perm[i] = s_perm[sp, i]
        for k in range(m):
            c1[k] = s_c1[sp, k]
            c2[k] = s_c2[sp, k]
        if r <= 2:  # a leaf or its parent: both completions, the better kept in perm
            ms = 0
            keep = 0
            for attempt in range(2 if r == 2 else 1):
                if attempt == 1:
                    perm[l1], perm[l1 + 1] = perm[l1 + 1], perm[l1]
                for k in range(m):
                    buf[k] = c1[k]
                for i in range(l1, l2):
                    j = perm[i]
                    t = 0
                    for k in range(m):
                        t = max(t, buf[k]) + p[j, k]
                        buf[k] = t
                v = 0
                for k in range(m):
                    v = max(v, buf[k] + c2[k])
                if attempt == 0 or v < ms:
                    ms = v
                    keep = attempt
            if r == 2 and keep == 0:
                perm[l1], perm[l1 + 1] = perm[l1 + 1], perm[l1]
            if ms < ub:
                ub = ms
                for i in range(n):
                    best[i] = perm[i]
                best[n] = ms
                if ms < shared[0]:
                    shared[0] = ms
            closed += wt
            continue
        # node data: the unscheduled jobs' loads, each job's completion when
        # appended to the prefix (fw) and its length when prepended to the suffix (bw), and per machine
        # the two smallest release times (fw - p) and tails (bw - p) with the job of the smallest
        # (a child's other jobs have the smallest that is not its own)
        for k in range(m):
            total[k] = 0
            h1[k] = BIG
            h2[k] = BIG
            q1[k] = BIG
            q2[k] = BIG
        for i in range(n):
            inu[i] = False
        for i in range(r):
            j = perm[l1 + i]
            inu[j] = True
            t = 0
            for k in range(m):
                total[k] += p[j, k]
                if c1[k] > t:
                    t = c1[k]
                t += p[j, k]
                fw[i, k] = t
            t = 0
            for k in range(m - 1, -1, -1):
                if c2[k] > t:
                    t = c2[k]
                t += p[j, k]
                bw[i, k] = t
        for side in range(2):  # the two smallest release times (side 0) and tails (side 1), inline
            for i in range(r):
                j = perm[l1 + i]
                for k in range(m):
                    t = (fw[i, k] if side == 0 else bw[i, k]) - p[j, k]
                    if t < lo2[side, k]:
                        if t < lo1[side, k]:
                            lo2[side, k] = lo1[side, k]
                            lo1[side, k] = t
                            loj[side, k] = j
                        else:
                            lo2[side, k] = t
        # LB1 of every child on both sides
        for i in range(r):
            j = perm[l1 + i]
            lb = 0
            lbk = 0
            for k in range(m):
                h = h2[k] if hj[k] == j else h1[k]
                q = q2[k] if qj[k] == j else q1[k]
                rest = total[k] - p[j, k]
                f = fw[i, k] if fw[i, k] > h else h
                g = bw[i, k] if bw[i, k] > q else q
                v = f + rest + q
                if v > lb:
                    lb = v
                v = h + rest + g
                if v > lbk:
                    lbk = v
            lbf[i] = lb
            lbb[i] = lbk
        # the learned pairs: every ``explore``-th node tries them all, every 256th re-sorts them by score
        kp = npair_all if nodes % explore == 0 and npairs > 0 else npairs
        if nodes % 256 == 0 and npair_all > 0:
            rank[:] = np.argsort(-wins, kind="mergesort")
            for t in range(npair_all):
                wins[t] //= 2
        # LB2 (mode 2: on both sides, then the direction; mode 1: on the side LB1 chooses) of each
        # child below the incumbent, pair by pair in the learned order until one reaches it; the pair
        # that prunes, or gives the largest value, scores in ``wins``
        forward = mode != 1 or kp == 0 or _direction(lbf, lbb, r, ub)
        ready = False
        for side in range(2 if kp > 0 else 0):
            if mode == 1 and forward != (side == 0):
                continue
            for i in range(r):
                cur = lbf[i] if side == 0 else lbb[i]
                if cur >= ub:
                    continue
                if not ready:
                    pair_tables(p, pairs, jorder, lag, rank, kp, inu, total, w, pm, pre, seq, vals)
                    ready = True
                j = perm[l1 + i]
                lb = 0
                arg = -1
                for x in range(kp):
                    t = rank[x]
                    k1 = pairs[t, 0]
                    k2 = pairs[t, 1]
                    # the child's other jobs: release times on k1 and k2, tails after them
                    r1 = h2[k1] if hj[k1] == j else h1[k1]
                    r2 = h2[k2] if hj[k2] == j else h1[k2]
                    t1 = q2[k1] if qj[k1] == j else q1[k1]
                    t2 = q2[k2] if qj[k2] == j else q1[k2]
                    if side == 0:
                        r1 = max(r1, fw[i, k1])
                        r2 = max(r2, fw[i, k2])
                    else:
                        t1 = max(t1, bw[i, k1])
                        t2 = max(t2, bw[i, k2])
                    v1 = r1 + total[k1] - p[j, k1] + t1
                    v2 = max(r2 + total[k2] - p[j, k2], r1 + w[t, j]) + t2
                    v = v1 if v1 > v2 else v2
                    if v > lb:
                        lb = v
                        arg = t
                        if lb >= ub:
                            break
                if arg >= 0:
                    wins[arg] += 1
                if lb > cur:
                    if side == 0:
                        lbf[i] = lb
                    else:
                        lbb[i] = lb
        forward = _direction(lbf, lbb, r, ub)
        # every completion of a child fixing j on one side ends with some other job i on the
        # other side: the child's bound is at least the smallest other-side bound over i != j
        o1 = BIG
        o2 = BIG
        oi = -1
        for i in range(r):
            v = lbb[i] if forward else lbf[i]
            if v < o1:
                o2 = o1
                o1 = v
                oi = i
            elif v < o2:
                o2 = v
        nk = 0
        for i in range(r):
            lb = lbf[i] if forward else lbb[i]
            other = o2 if i == oi else o1
            if other > lb:
                lb = other
            if lb >= ub:
                continue
            pos = nk  # by decreasing bound: the smallest is pushed last, expanded first
            while pos > 0 and kid_lb[pos - 1] < lb:
                kids[pos] = kids[pos - 1]
                kid_lb[pos] = kid_lb[pos - 1]
                pos -= 1
            kids[pos] = i
            kid_lb[pos] = lb
            nk += 1
        if nk == 0:
            closed += wt
            continue
        share = wt / nk
        for c in range(nk):
            i = kids[c]
            for x in range(n):
                s_perm[sp, x] = perm[x]
            if forward:
                s_perm[sp, l1 + i], s_perm[sp, l1] = perm[l1], perm[l1 + i]
                s_l1[sp] = l1 + 1
                s_l2[sp] = l2
                for k in range(m):
                    s_c1[sp, k] = fw[i, k]
                    s_c2[sp, k] = c2[k]
            else:
                s_perm[sp, l1 + i], s_perm[sp, l2 - 1] = perm[l2 - 1], perm[l1 + i]
                s_l1[sp] = l1
                s_l2[sp] = l2 - 1
                for k in range(m):
                    s_c1[sp, k] = c1[k]
                    s_c2[sp, k] = bw[i, k]
            s_lb[sp] = kid_lb[c]
            s_w[sp] = share
            sp += 1
    return sp, nodes, closed, room


@njit(cache=True, nogil=True)
def makespan(p, order):
    """Makespan of the job sequence ``order``; O(n m)."""
    m = p.shape[1]
    f = np.zeros(m, dtype=np.int64)
    for j in order:
        t = 0
        for k in range(m):
            t = max(t, f[k]) + p[j, k]
            f[k] = t
    return f[m - 1] if m else 0


@njit(cache=True, nogil=True)
def root_bound(p, pairs, jorder, lag):
    """The root's bounds: machine loads with the smallest head and tail (LB1), and per pair the
    two-machine value with the smallest head before the first machine and tail after the second
    (LB2); returns (LB1, LB2, index of the best pair or -1); O(P n + n m)."""
    n, m = p.shape
    inu = np.ones(n, dtype=np.bool_)
    total = np.zeros(m, dtype=np.int64)
    head = np.full(m, BIG, dtype=np.int64)
    tail = np.full(m, BIG, dtype=np.int64)
    for j in range(n):
        h = 0
        for k in range(m):
            total[k] += p[j, k]
            if h < head[k]:
                head[k] = h
            h += p[j, k]
        q = 0
        for k in range(m - 1, -1, -1):
            if q < tail[k]:
                tail[k] = q
            q += p[j, k]
    lb1 = 0
    for k in range(m):
        lb1 = max(lb1, head[k] + total[k] + tail[k])
    npair = pairs.shape[0]
    w = np.zeros((max(npair, 1), n), dtype=np.int64)
    pm = np.zeros(max(npair, 1), dtype=np.int64)
    pre = np.zeros(n, dtype=np.int64)
    seq = np.zeros(n, dtype=np.int64)
    vals = np.zeros(n, dtype=np.int64)
    pair_tables(p, pairs, jorder, lag, np.arange(npair), npair, inu, total, w, pm, pre, seq, vals)
    lb2 = 0
    arg = -1
    for t in range(npair):
        v = head[pairs[t, 0]] + pm[t] + tail[pairs[t, 1]]
        if v > lb2:
            lb2 = v
            arg = t
    return lb1, lb2, arg
