"""Heuristics of the source papers, registered in the offloadsched solve registry."""
