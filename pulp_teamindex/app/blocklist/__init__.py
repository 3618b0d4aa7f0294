"""The deployment-wide block list (issue #25): an admin blocks a project, a release, a filename
or a sha256, with a reason, and every index stops listing and serving it, and refuses to take
it in by any path, until the block is lifted. `rules` says what a block names (pure), `lookup`
which blocks apply (database)."""
