"""``python -m order_completion`` is the ``order-completion`` command."""

from order_completion.cli import main

main()
