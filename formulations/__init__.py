"""Exact models (MIP, CP-SAT, relaxations), registered in the offloadsched solve registry."""
