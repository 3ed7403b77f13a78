"""Speed of scratch (NumPy) against torch, phase by phase, over a grid of sizes:
``.venv/bin/python -m benchmarks``.

This package imports nothing at load time, so that ``__main__`` can set the environment before NumPy loads.
"""
