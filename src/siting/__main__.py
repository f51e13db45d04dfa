"""``python -m siting``: the same command line as the ``siting`` entry point."""

from siting.cli import main

if __name__ == "__main__":
    main()
