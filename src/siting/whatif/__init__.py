"""What-if questions as one command: sweeps over a scenario key or a list of overrides, and scenario
comparisons. This package sits above io, solve and analysis (it loads, solves and tabulates variants);
only the CLI and the front door import it."""
