"""What both implementations share and neither owns: argument checks, the data sets, the run history and its
log line, and the checkpoint file format.

NumPy only (tqdm for the optional progress bar), and no import of ``scratch`` or ``torch_impl``: each twin reads
on its own, and both import from here.
"""

from typing import Any

from numpy.typing import NDArray

Array = NDArray[Any]
"""A NumPy array of any dtype: the one alias every module's type hints use."""
