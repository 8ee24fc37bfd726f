"""``python -m cli``: the ``certflow`` command, as the installed script runs it."""

from cli.main import main

main(prog_name="certflow")
