"""Figures for the tutorial, drawn with NumPy and matplotlib only (no torch).

Each function returns a ``matplotlib.figure.Figure`` built directly (not through
pyplot, so nothing stays open); the caller saves or shows it.
"""
