"""What a plan means, computed without a solver: the independent checker (``evaluate``), the
planner's tables (``tables``), 2SFCA accessibility of a plan (``accessibility``) and from plain
tables (``fca``: demand, supply and cost DataFrames, as PySAL access), the health-check view
(``healthcheck``), all figures of an outcome at once (``figures``) and plan comparison
(``compare``)."""
