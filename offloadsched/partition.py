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
from .units import refuse_array_kind


class Partition:
    """A validated partition of ``dnn``: ``local[i]`` is True when layer ``i`` runs locally.

    ``local`` is either a boolean mask (a numpy bool array, or a list of booleans, of length
    ``len(dnn)``: ``local[i]`` says whether layer ``i`` is local) or a collection of distinct layer
    names and integer indices (the local layers).  An integer array is always indices, never a mask;
    so a repeated layer, a string (``'in'``: pass ``['in']`` for one layer), a float, a masked array
    or an integer array of 0s and 1s as long as the DNN (a 0/1 mask? pass ``mask.astype(bool)``) is
    refused with a :class:`ValidationError`.
    """

    __slots__ = ("dnn", "local")

    def __init__(self, dnn: DNN, local: Iterable[str | int] | np.ndarray) -> None:
        if not isinstance(dnn, DNN):
            raise ValidationError(f"partition: {dnn!r} is not a DNN"[:200])
        self.dnn = dnn
        mask = _as_mask(dnn, local)
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


def _as_mask(dnn: DNN, local) -> np.ndarray:
    """The boolean mask of ``local`` (see :class:`Partition`), refusing ambiguous or wrong inputs."""
    where = f"partition of {dnn.name!r}"
    n = len(dnn)
    if isinstance(local, (str, bytes)):
        raise ValidationError(f"{where}: local layers must be a collection of layer names or indices, or a "
                              f"boolean mask, got the string {local!r}"[:200] + " (for one layer, pass a list of it)")
    if isinstance(local, np.ndarray):
        if local.dtype == bool and not isinstance(local, np.ma.MaskedArray):
            if local.shape != (n,):
                raise ValidationError(f"{where}: mask has shape {local.shape}, expected ({n},)")
            return local.copy()
        if local.dtype.kind != "U" or isinstance(local, np.ma.MaskedArray):  # an array of names is fine
            refuse_array_kind(local, f"{where}: local layers", "layer indices or names")
        if local.ndim != 1:
            raise ValidationError(f"{where}: local layers must be 1-d, got shape {local.shape}")
        if local.dtype.kind in "iu" and n >= 2 and local.shape == (n,) and set(np.unique(local).tolist()) <= {0, 1}:
            raise ValidationError(f"{where}: an integer array of 0s and 1s as long as the DNN is ambiguous (layer "
                                  "indices are read, not a mask); pass a boolean array for a mask, e.g. "
                                  "mask.astype(bool), or a list of the local layers' indices")
    try:
        items = list(local)
    except TypeError:
        raise ValidationError(f"{where}: local layers must be a collection of layer names or indices, or a "
                              f"boolean mask, got {local!r}"[:200]) from None
    flags = [isinstance(x, (bool, np.bool_)) for x in items]
    if items and all(flags):  # a list of booleans: a mask
        if len(items) != n:
            raise ValidationError(f"{where}: mask has {len(items)} entries, expected {n}")
        return np.array(items, dtype=bool)
    mask = np.zeros(n, dtype=bool)
    given: dict[int, object] = {}
    for item in items:
        if isinstance(item, (bool, np.bool_)):
            raise ValidationError(f"{where}: {item!r} mixed with layer names or indices (a mask holds booleans only)")
        i = dnn.resolve(item)
        if i in given:
            raise ValidationError(f"{where}: layer {dnn.layers[i].name!r} is given twice ({given[i]!r} and {item!r}); "
                                  "a list of local layers holds each once (a 0/1 mask? pass booleans)")
        given[i] = item
        mask[i] = True
    return mask
