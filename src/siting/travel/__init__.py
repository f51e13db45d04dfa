"""Walking times, and nothing of the model: the :class:`~siting.travel.reach.ReachTable` and
straight lines (``reach``), street networks (``network``, ``lines``) and OD tables (``od``)."""
