"""Figures for the tutorial and the README, drawn with NumPy and matplotlib.

Each function returns a ``matplotlib.figure.Figure`` built directly (not through
pyplot, so nothing stays open); the caller saves or shows it.  Only ``plots.drift``,
which measures how far a scratch run and a torch run drift apart, imports torch.
"""
