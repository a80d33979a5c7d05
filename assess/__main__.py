"""``python -m assess`` is the same as the ``assess`` console script."""

from assess.cli import main

main()
