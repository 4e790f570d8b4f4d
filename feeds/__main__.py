"""`python -m feeds`: the command line (see cli)."""

from feeds.cli import main

main()
