"""The download record: who fetched which file of which index, for the incident responder's
first question about a compromised file ("who has it?").

The content apps count downloads in memory (`book`, one dictionary update per file served) and
write the counts in batches, off the request path (`writing`); the REST API reads them
(`radius`: the downloads a block names)."""
