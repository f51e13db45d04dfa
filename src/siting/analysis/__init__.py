"""What a plan means, computed without a solver: the independent checker (``evaluate``), the
planner's tables (``tables``), 2SFCA accessibility (``accessibility``), the health-check view
(``healthcheck``), all figures of an outcome at once (``figures``) and plan comparison
(``compare``)."""
