"""Exact models (MIP, CP-SAT, relaxations), registered in the offloadsched solve registry.

Release times (MODEL.md "Release times"): ``cpsat-flowshop``, ``mip-path``, ``cpsat-dagshop``,
``cpsat-joint`` model them, ``bf-fl`` / ``fl-exact`` (one job: a release is a shift) take them, and
``relaxation`` stays a valid lower bound (its module says why). The others refuse a problem with release
times (``applies=no_release``), each for its own reason: ``bb-flowshop``'s bounds and bidirectional
branching assume every job released at 0; ``sidney`` (and ``jps+sidney`` / ``hps+sidney``, which measure
partition loss under it) is exact only without release (Sidney-Monma's interchange argument breaks once the
device may idle); ``dp-ideals``'s state omits the compute clock, fixed only when the device never idles;
``mip-joint-ideals`` and ``mip-joint-chain`` count jobs per partition and place them in Johnson order, which
release times invalidate.
"""

# -- CP-SAT models and the DP over ideals (registered by import path: importing this package
#    does not import ortools) ------------------------------------------------------------------
from offloadsched.registry import all_of as _all_of  # noqa: E402
from offloadsched.registry import negligible_remote as _negligible_remote  # noqa: E402
from offloadsched.registry import no_release as _no_release  # noqa: E402
from offloadsched.registry import register as _register  # noqa: E402
from offloadsched.vocab import FLOW_TYPES as _FLOW_TYPES  # noqa: E402

_CPSAT_OPTIONS = ("workers", "hint", "log", "seed")
_register("cpsat-flowshop", "offloadsched.formulations.cpsat_flowshop:solve_flowshop", problems=_FLOW_TYPES,
          kind="exact", summary="CP-SAT permutation flow shop (intervals, NoOverlap, shared order literals)",
          options=_CPSAT_OPTIONS + ("permutation",))
_register("bb-flowshop", "offloadsched.formulations.bb_flowshop:solve_bb_flowshop", problems=_FLOW_TYPES, kind="exact",
          summary="bidirectional branch-and-bound with the one- and two-machine bounds (numba)",
          options=("node_limit", "workers", "mode", "lb2_pairs", "hint", "seed", "log"), applies=_no_release)
_register("cpsat-dagshop", "offloadsched.formulations.cpsat_dagshop:solve_dagshop", problems=("dag",), kind="exact",
          summary="CP-SAT layer-level DAG shop (problem D, any remote model)",
          options=_CPSAT_OPTIONS + ("lower_bound", "hint_schedule"))
_register("cpsat-joint", "offloadsched.formulations.cpsat_joint:solve_joint", problems=("joint",), kind="exact",
          summary="CP-SAT joint partitioning and scheduling (optional intervals)", options=_CPSAT_OPTIONS)
_register("dp-ideals", "offloadsched.formulations.dp_ideals:solve_dp_ideals", problems=("dag",), kind="exact",
          summary="dynamic program over predecessor-closed local sets (problem D, negligible remote)",
          options=("max_states",), applies=_all_of(_negligible_remote, _no_release))

# -- MIP models (PuLP: CBC or HiGHS) and the convex relaxation (scipy), by import path ----------
_MIP_OPTIONS = ("solver", "hint", "log", "workers")
_register("mip-path", "offloadsched.formulations.mip_path:solve_mip_path", problems=_FLOW_TYPES, kind="exact",
          summary="seed 002 MIP P2: positional flow-shop MIP with idle/wait variables", options=_MIP_OPTIONS)
_register("mip-joint-chain", "offloadsched.formulations.mip_joint_chain:solve_mip_joint_chain", problems=("joint",),
          kind="exact", summary="joint cuts + J2 order of n identical chain DNNs: MIP over positions x cuts",
          options=_MIP_OPTIONS, applies=_no_release)
_register("mip-joint-ideals", "offloadsched.formulations.mip_joint_ideals:solve_mip_joint_ideals", problems=("joint",),
          kind="exact", summary="joint optimum of DAG DNN jobs: integer counts per (DNN, ideal) over Sidney-Monma "
          "modules (serial / parallel remote: no-good cuts over the counts)",
          options=_MIP_OPTIONS[:1] + ("log", "workers", "max_ideals", "bracket", "max_types"), applies=_no_release)
_register("relaxation", "offloadsched.formulations.relaxation:solve_relaxation", problems=("joint",), kind="exact",
          summary="seed 001 P2 convex relaxation of identical chains: a lower bound (status 'bound')",
          options=("abscissa",))

# -- Sidney-Monma on series-parallel local graphs, and heuristic partitions scheduled by it --------
_register("sidney", "offloadsched.formulations.sidney:sidney", problems=("dag",), kind="exact",
          summary="Sidney-Monma composite jobs: exact for series-parallel local orders (negligible remote)",
          options=("bounds",), applies=_no_release)
_register("jps+sidney", "offloadsched.formulations.sidney:jps_sidney", problems=("joint",), kind="heuristic",
          summary="JPS partitions, scheduled optimally by Sidney-Monma (partition loss alone)", applies=_no_release)
_register("hps+sidney", "offloadsched.formulations.sidney:hps_sidney", problems=("joint",), kind="heuristic",
          summary="HPS partitions, scheduled optimally by Sidney-Monma (partition loss alone)", applies=_no_release)

# -- seed 003 fused-layer exact methods --------------------------------------------------------
from offloadsched.registry import one_dnn_job as _one_dnn_job  # noqa: E402

_register("bf-fl", "offloadsched.formulations.fused_exact:bf_fl", problems=("joint",),
          applies=_one_dnn_job, kind="exact", options=("tau", "tiles", "max_candidates"),
          summary="seed 003 Brute Force over FL path orders and cuts for one tiling (BF (2x2))")
_register("fl-exact", "offloadsched.formulations.fused_exact:fl_exact", problems=("joint",),
          applies=_one_dnn_job, kind="exact", options=("tau", "tiles", "workers"),
          summary="optimum for one FL tiling: cpsat-joint on the converted graph (seed 003 comparison)")
