"""Sphinx configuration of the zuul-packaging documentation (built with -W in make test)."""

project = "zuul-packaging"
author = "zuul-packaging developers"
extensions = ["zuul_sphinx"]
master_doc = "index"
exclude_patterns = []
html_theme = "alabaster"
# every role must have a README.rst: a missing one is a warning, hence an error with -W
zuul_autoroles_warn_missing = True
