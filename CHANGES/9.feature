Refused uploads explain themselves in every client: the message is also the HTTP reason phrase, so
twine (without `--verbose`), `uv publish`, `poetry publish`, `pdm publish` and `hatch publish`
show why. pulp_python's `/pypi/<index>/simple/` and `/pypi/<index>/legacy/` paths reach team
indexes, so teams moving over change no client configuration (setting `TEAMINDEX_PYPI_PATHS`).
