"""The composition root and the link to order management only wire and call: what they
write goes through a handler of the feature that owns it, which owns its transaction."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import order_completion

PACKAGE = Path(order_completion.__file__).parent
# The composition root (a module or a package of them) and the order-management link.
WIRING = sorted(
    [
        *PACKAGE.glob("bootstrap.py"),
        *PACKAGE.glob("bootstrap/*.py"),
        PACKAGE / "orders" / "peering.py",
    ]
)
# What opens a transaction: ``db.transaction()``, ``engine.begin()``, ``session.begin()``.
OPENERS = {"transaction", "begin", "begin_nested"}


def transactions_opened(source: str) -> list[int]:
    """The lines of ``source`` that open a transaction."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in OPENERS
    ]


@pytest.mark.parametrize("path", WIRING, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_opens_no_transaction_of_its_own(path: Path) -> None:
    assert transactions_opened(path.read_text()) == []
