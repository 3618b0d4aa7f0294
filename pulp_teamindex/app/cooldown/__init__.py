"""The cooldown at the index (issue #25): files from an index's upstream younger than its
minimum release age are neither listed nor served, unless an admin or an owner of the index
excepted their project or release. `rules` is the pure part, `lookup` reads the database."""
