Concurrent first requests to a private index with the same credentials share one password
check: a CI fleet starting together no longer waits for one PBKDF2 hash per job.
