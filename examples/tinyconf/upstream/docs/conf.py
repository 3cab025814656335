"""Sphinx configuration of tinyconf's documentation."""

import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "src")))

project = "tinyconf"
author = "The tinyconf authors"
copyright = "2026, " + author
release = version = "1.2.0"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.doctest", "sphinx_click"]
html_theme = "sphinx_rtd_theme"
exclude_patterns = ["_build"]
man_pages = [("cli", "tinyconf", "print layered configuration files", [author], 1)]
