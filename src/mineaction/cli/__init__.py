"""Command line: thin adapters that parse options, call the package and render results."""
