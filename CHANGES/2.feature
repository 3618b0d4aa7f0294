Team indexes: a `package` content type (wheels and sdists), a versioned `teamindex` repository,
publication and distribution; a twine-compatible upload endpoint gated to one service account;
the PEP 503/691 simple API with PEP 658 metadata served by the content app; `dev/run` and
`dev/test` to run and test a real Pulp stack.
Setting `TEAMINDEX_API_ORIGIN` makes the twine `upload_url` absolute in task results too (the
pulp CLI shows a created distribution from its task result).
