"""``python -m capsync`` runs the command line, for machines without the console script."""

from capsync.cli import main

main()
