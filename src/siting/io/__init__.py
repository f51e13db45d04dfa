"""Files in and out: input readers (``readers``), scenario YAML (``scenario``), files → Instance
(``load``), the output folder (``outputs``) and the one atomic writer (``atomic``)."""
