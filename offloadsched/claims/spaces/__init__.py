"""Search spaces of the claims engine: small instances as hashable genomes, one module per space.

Each family enumerates its small instances in stages (``stages = ((max_items, max_value), ...)``:
stage ``i`` covers the sizes above the previous stage's, up to ``max_items``, with every time in
``0..max_value``), samples random ones, mutates them (times +-1 or by a step, items added and
removed) and shrinks them (items removed first, then values lowered to 0, halved, minus 1).

* :class:`FlowSpace` - J2 / Fm jobs: a tuple of job rows (optionally restricted by ``valid``
  and kept in scope by ``repair``);
* :class:`TreeSpace` - problem D whose local graph is an out-tree: ``(parent, f, u, cut)`` per
  local node, every leaf a cut-point (and, unless ``leaf_cuts``, internal cut-points too), each
  cut-point with a remote child of zero time;
* :class:`SPSpace` - problem D whose local graph is vertex series-parallel: a nested
  ``("S" | "P", child, ...)`` / ``("v", f, u, cut)`` expression; every sink is a cut-point;
* :class:`ChainSpace` - ``n`` identical chain DNNs with linear local time ``f(l) = c l`` and a
  non-increasing convex upload time ``g(l) = sum(d[l:])`` (``d`` non-increasing; ``g = 0`` when
  the whole chain is local), as a :class:`~offloadsched.problems.JointProblem`.
"""

from ._common import UNIT_PLATFORM, Stages
from .chain import ChainSpace, chain_dnn, chain_fg, convex_upload
from .flow import FlowSpace
from .sp import SPSpace, sp_canonical, sp_get, sp_leaves, sp_normal, sp_problem, sp_set, sp_shape, sp_shapes
from .tree import TreeSpace, canonical_tree, rooted_trees, tree_parents, tree_problem

__all__ = ["UNIT_PLATFORM", "Stages", "FlowSpace", "TreeSpace", "SPSpace", "ChainSpace", "chain_dnn", "chain_fg",
           "convex_upload", "sp_canonical", "sp_get", "sp_leaves", "sp_normal", "sp_problem", "sp_set", "sp_shape",
           "sp_shapes", "canonical_tree", "rooted_trees", "tree_parents", "tree_problem"]
