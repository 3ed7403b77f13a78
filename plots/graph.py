"""Pictures of a computation graph recorded by scratch.autograd (matplotlib only, no graphviz).

Each box is a tensor: a leaf (a parameter or the data, named when ``names`` says what it is) or the result of
an operation, labelled with the operation and the shape.  Arrows run forward, from inputs to result; the
number in an operation's corner is its turn when ``backward()`` walks the graph back from the loss.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from scratch.autograd import Tensor, topological_order

PARAMETER, DATA, OPERATION = "#f6c85f", "#d9d9d9", "#9dd9d2"


@dataclass
class Box:
    tensor: Tensor
    label: str
    color: str
    level: int = 0
    row: float = 0.0
    turn: int | None = None  # when backward reaches it (operations only)
    inputs: list[int] = field(default_factory=list)


def layout(root: Tensor, names: Mapping[str, Tensor] | None = None) -> list[Box]:
    """The boxes of root's graph: an operation one level past its deepest input, a leaf just before the first
    operation that uses it."""
    named = {id(t): name for name, t in (names or {}).items()}
    operations = [t for t in reversed(topological_order(root)) if t.grad_fn is not None]
    turns = {id(t): i for i, t in enumerate(operations, start=1)}
    boxes: dict[int, Box] = {}

    def visit(t: Tensor) -> Box:
        if id(t) in boxes:
            return boxes[id(t)]
        shape = "×".join(map(str, t.shape)) or "scalar"
        if t.grad_fn is None:
            name = named.get(id(t), "constant")
            box = Box(t, f"{name}\n{shape}", PARAMETER if t.requires_grad else DATA, level=-1)
        else:
            name = t.grad_fn.name.removesuffix("Backward0").removesuffix("Backward1")
            box = Box(t, f"{name}\n{shape}", OPERATION, turn=turns.get(id(t)))
            inputs = [visit(p) for p in t.grad_fn.inputs]
            box.level = 1 + max((b.level for b in inputs if b.color == OPERATION), default=0)
            box.inputs = [id(b.tensor) for b in inputs]
        boxes[id(t)] = box
        return box

    visit(root)
    for b in boxes.values():  # leaves one level before their first use
        for i in b.inputs:
            leaf = boxes[i]
            if leaf.color != OPERATION and (leaf.level < 0 or leaf.level > b.level - 1):
                leaf.level = b.level - 1
    ordered = list(boxes.values())
    for level in {b.level for b in ordered}:
        same = [b for b in ordered if b.level == level]
        for i, b in enumerate(same):
            b.row = i - (len(same) - 1) / 2
    return ordered


def draw(
    ax: Axes, root: Tensor, names: Mapping[str, Tensor] | None = None, title: str = "", vertical: bool = False
) -> None:
    """The graph of ``root`` on ``ax``: forward from left to right (or top to bottom), backward's order numbered."""
    boxes = {id(b.tensor): b for b in layout(root, names)}

    def at(b: Box) -> tuple[float, float]:
        return (b.row * 1.3, -b.level) if vertical else (b.level, b.row)

    for b in boxes.values():
        for i in b.inputs:
            a = boxes[i]
            bend = 0.35 if b.level - a.level > 1 and a.color == OPERATION else 0.0  # a skip: around, not through
            ax.annotate(
                "",
                at(b),
                at(a),
                arrowprops={
                    "arrowstyle": "->",
                    "color": "0.45",
                    "shrinkA": 14,
                    "shrinkB": 14,
                    "lw": 0.9,
                    "connectionstyle": f"arc3,rad={bend}",
                },
            )
        x, y = at(b)
        box = ax.text(
            x, y, b.label, ha="center", va="center", fontsize=8, bbox={"boxstyle": "round", "fc": b.color, "ec": "0.3"}
        )
        if b.turn is not None:  # on the box's top right corner, in points: it stays there at any figure size
            ax.annotate(
                str(b.turn),
                xy=(1, 1),
                xycoords=box.get_bbox_patch() or box,
                xytext=(1, 1),
                textcoords="offset points",
                ha="center",
                va="center",
                color="tab:red",
                fontsize=8,
                fontweight="bold",
                bbox={"boxstyle": "circle,pad=0.15", "fc": "white", "ec": "tab:red", "lw": 0.8},
                zorder=4,  # after its box, whose corner it is placed on
            )
    xs, ys = zip(*(at(b) for b in boxes.values()), strict=True)
    ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_title(title, fontsize=10)
    ax.axis("off")


LEGEND = "yellow: parameters, grey: data, green: operations; red: backward()'s order"


def graph_figure(root: Tensor, names: Mapping[str, Tensor], title: str, vertical: bool = False) -> Figure:
    """One graph, sized by its depth and its width (the most boxes on one level)."""
    boxes = layout(root, names)
    depth = max(b.level for b in boxes) - min(b.level for b in boxes) + 1
    width = max(Counter(b.level for b in boxes).values())
    size = (1.3 * width + 1.5, 0.62 * depth + 1) if vertical else (1.1 * depth + 1, 0.8 * width + 1.2)
    fig = Figure(figsize=size, layout="constrained")
    draw(fig.add_subplot(), root, names, f"{title}\n({LEGEND})", vertical)
    return fig
