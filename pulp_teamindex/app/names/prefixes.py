"""Who owns a project name (PEP 752 namespaces and first publication), in plain functions."""


def covers(prefix, name):
    """A namespace prefix covers the name itself and every `<prefix>-...` name (normalized)."""
    return name == prefix or name.startswith(prefix + "-")


def overlaps(a, b):
    """Two grants overlap when one covers the other."""
    return covers(a, b) or covers(b, a)


def prefixes_of(name):
    """Every prefix that could cover `name`: 'acme-tools-x' -> acme, acme-tools, acme-tools-x."""
    parts = name.split("-")
    return ["-".join(parts[:n]) for n in range(1, len(parts) + 1)]
