"""``python -m capsync`` runs the command line, for machines without the console script."""

from .cli import main

main()
