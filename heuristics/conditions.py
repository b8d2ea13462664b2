"""Seed 001's sufficient conditions for the uniform partition (Theorems 2-3, Corollary 1).

References (docs/REFERENCES.md): [Seed001]."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from offloadsched.dnn import DNN
from offloadsched.errors import ValidationError
from offloadsched.platform import Platform

from ._common import chain_curves
from .jps import binary_search_cut


@dataclass
class ChainConditions:
    """Which of seed 001's sufficient conditions hold for a chain DNN on a platform.

    Cuts are layer indices (cut after that layer; the last layer = local-only) restricted to the
    "virtual block" candidates (:func:`offloadsched.heuristics._common.chain_curves`) inside ``window``.
    ``f``, ``g`` are seed 001's f(l), g(l) at those cuts (integer µs).  ``m`` is the intersection
    M (the leftmost cut with f >= g, Alg. 2's l*), ``m_prev`` the candidate before it.
    """

    cuts: list[int]
    names: list[str]
    f: list[int]
    g: list[int]
    m: int
    m_prev: int | None
    theorem2: bool
    theorem2_terms: dict[str, int]
    theorem3: bool
    corollary1_k: list[int] = field(default_factory=list)
    corollary1_k_as_printed: list[int] = field(default_factory=list)
    g_nonincreasing: bool = True


def chain_conditions(dnn: DNN, platform: Platform, *, window: tuple[int, int] | None = None) -> ChainConditions:
    """Check seed 001 Theorem 2, Theorem 3 and Corollary 1 for ``dnn`` (a chain) on ``platform``.

    With S = the leftmost cut of the window and L = the rightmost (so f_S, g_L belong to S and
    f_L, g_S to L):

    * Theorem 2: ``3 f_M < f_S + f_L + g_S`` and ``3 g_M < f_S + g_L + g_S`` (reported False
      when M is the leftmost or rightmost cut: the theorem compares M with cuts on both sides).
    * Corollary 1, for every k (1 <= k <= candidates on each side of M), with sums over the k
      leftmost (k-prefix) and k rightmost (k-postfix) cuts:
      ``(k+2) f_M < pre.f + post.f + post.g`` and ``(k+2) g_M < pre.f + pre.g + post.g``.
      The paper prints ``(k+2) g_M`` in the first inequality too; we read it as ``f_M`` so that
      k = 1 is Theorem 2, and report the printed form separately (``corollary1_k_as_printed``).
    * Theorem 3: ``f(l*-1) + f(l*) = g(l*-1) + g(l*)`` and ``g(l*-1) = f(l*)``.

    ``window = (lo, hi)`` restricts the cuts to layers ``lo..hi`` (seed 001's AlexNet example
    uses layers 3..6).  ``g_nonincreasing`` says whether the raw upload curve is non-increasing
    (the paper's assumption before clustering).

    The round trip ``w_rtt`` is not part of these conditions: they compare the f and g curves of
    the relaxation, and w_rtt (paid once, after the last upload) shifts every offloading cut's
    makespan by the same constant.
    """
    if not dnn.is_chain:
        raise ValidationError(f"chain_conditions: DNN {dnn.name!r} is not a chain ({dnn.structure})")
    F, G, cand = chain_curves(platform.local_times(dnn), platform.upload_times(dnn))
    if window is not None:
        lo, hi = window
        cand = cand[(cand >= lo) & (cand <= hi)]
        if cand.size == 0:
            raise ValidationError(f"chain_conditions: no candidate cut in layers {lo}..{hi}")
    f, g = F[cand], G[cand]
    k_m, _ = binary_search_cut(f, g)
    fM, gM = int(f[k_m]), int(g[k_m])
    fS, gL, fL, gS = int(f[0]), int(g[0]), int(f[-1]), int(g[-1])
    cor, printed = [], []
    for k in range(1, min(k_m, len(cand) - 1 - k_m) + 1):
        pre_f, pre_g = int(f[:k].sum()), int(g[:k].sum())
        post_f, post_g = int(f[-k:].sum()), int(g[-k:].sum())
        second = (k + 2) * gM < pre_f + pre_g + post_g
        if (k + 2) * fM < pre_f + post_f + post_g and second:
            cor.append(k)
        if (k + 2) * gM < pre_f + post_f + post_g and second:
            printed.append(k)
    theorem3 = k_m > 0 and bool(f[k_m - 1] + f[k_m] == g[k_m - 1] + g[k_m] and g[k_m - 1] == f[k_m])
    raw_g = G[: len(G) - 1]  # the output's g = 0 is not an upload
    return ChainConditions(
        cuts=cand.tolist(), names=[dnn.layers[i].name for i in cand], f=f.tolist(), g=g.tolist(),
        m=int(cand[k_m]), m_prev=int(cand[k_m - 1]) if k_m > 0 else None,
        theorem2=len(cand) >= 3 and 0 < k_m < len(cand) - 1 and 3 * fM < fS + fL + gS and 3 * gM < fS + gL + gS,
        theorem2_terms={"f_M": fM, "g_M": gM, "f_S": fS, "g_L": gL, "f_L": fL, "g_S": gS},
        theorem3=theorem3, corollary1_k=cor, corollary1_k_as_printed=printed,
        g_nonincreasing=bool(np.all(np.diff(raw_g) <= 0)))
