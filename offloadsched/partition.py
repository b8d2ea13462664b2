"""Partitions of a DNN job: the set of layers run locally (MODEL.md section 1).

A partition contains the input layer and is closed under predecessors.  Its
cut-points are the local layers with at least one remote successor; each
cut-point's output is uploaded once.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .dnn import DNN
from .errors import ValidationError


class Partition:
    """A validated partition of ``dnn``: ``local[i]`` is True when layer ``i`` runs locally."""

    __slots__ = ("dnn", "local")

    def __init__(self, dnn: DNN, local: Iterable[str | int] | np.ndarray) -> None:
        self.dnn = dnn
        mask = np.zeros(len(dnn), dtype=bool)
        if isinstance(local, np.ndarray) and local.dtype == bool:
            if local.shape != (len(dnn),):
                raise ValidationError(
                    f"partition of {dnn.name!r}: mask has shape {local.shape}, expected ({len(dnn)},)"
                )
            mask[:] = local
        else:
            for item in local:
                mask[dnn.resolve(item)] = True
        if not mask[dnn.input]:
            raise ValidationError(
                f"partition of {dnn.name!r}: must contain the input layer {dnn.layers[dnn.input].name!r}"
            )
        for i in np.flatnonzero(mask):
            for p in dnn.preds[i]:
                if not mask[p]:
                    raise ValidationError(
                        f"partition of {dnn.name!r} is not predecessor-closed: local layer "
                        f"{dnn.layers[i].name!r} has remote predecessor {dnn.layers[p].name!r}"
                    )
        mask.flags.writeable = False
        self.local = mask

    # -- constructors ------------------------------------------------------
    @classmethod
    def local_only(cls, dnn: DNN) -> Partition:
        """LO: every layer local, nothing uploaded."""
        return cls(dnn, np.ones(len(dnn), dtype=bool))

    @classmethod
    def cloud_only(cls, dnn: DNN) -> Partition:
        """CO: only the input is local; the raw input is uploaded."""
        mask = np.zeros(len(dnn), dtype=bool)
        mask[dnn.input] = True
        return cls(dnn, mask)

    @classmethod
    def upto(cls, dnn: DNN, layers: Iterable[str | int]) -> Partition:
        """The smallest partition containing ``layers`` and all their ancestors."""
        mask = np.zeros(len(dnn), dtype=bool)
        mask[dnn.input] = True
        for item in layers:
            i = dnn.resolve(item)
            mask[i] = True
            mask[list(dnn.ancestors(i))] = True
        return cls(dnn, mask)

    @classmethod
    def chain_cut(cls, dnn: DNN, k: int) -> Partition:
        """For a chain DNN: the first ``k + 1`` layers local (``k = 0`` is CO, ``k = n - 1`` LO)."""
        if not dnn.is_chain:
            raise ValidationError(f"chain_cut: DNN {dnn.name!r} is not a chain ({dnn.structure})")
        if not 0 <= k < len(dnn):
            raise ValidationError(f"chain_cut: cut {k} out of range 0..{len(dnn) - 1} for {dnn.name!r}")
        mask = np.zeros(len(dnn), dtype=bool)
        mask[: k + 1] = True
        return cls(dnn, mask)

    # -- views -------------------------------------------------------------
    @property
    def cut_points(self) -> list[int]:
        """Local layers with at least one remote successor, in topological order."""
        loc = self.local
        return [int(i) for i in np.flatnonzero(loc) if any(not loc[s] for s in self.dnn.succs[i])]

    @property
    def local_names(self) -> list[str]:
        return [self.dnn.layers[i].name for i in np.flatnonzero(self.local)]

    @property
    def is_local_only(self) -> bool:
        return bool(self.local.all())

    @property
    def is_cloud_only(self) -> bool:
        return int(self.local.sum()) == 1

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Partition) and other.dnn is self.dnn
                and bool(np.array_equal(other.local, self.local)))

    def __hash__(self) -> int:
        return hash((id(self.dnn), self.local.tobytes()))

    def __repr__(self) -> str:
        cuts = [self.dnn.layers[i].name for i in self.cut_points]
        return f"Partition({self.dnn.name!r}, {int(self.local.sum())}/{len(self.dnn)} local, cuts={cuts})"
