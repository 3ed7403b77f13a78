"""The side-by-side reader: docs/side_by_side.md, generated from the code (``python -m tools.side_by_side``)."""
