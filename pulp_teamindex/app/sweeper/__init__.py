"""The sweeper: what crashes leave behind, removed once nothing can still be using it.

A killed process leaves things no row names, which pulpcore's orphan cleanup (starting from
rows) never finds: media files whose artifact row was never committed (`media`), upload spool
files and dead workers' working directories (`spool`), and the units a failed import had
committed batch by batch (`imports`). Dead workers' tasks are released as well (`workers`).
Nothing younger than TEAMINDEX_SWEEP_GRACE seconds and nothing a row names is removed.

`sweeping.sweep` runs them all, as a task every TEAMINDEX_SWEEP_INTERVAL seconds (a pulpcore
task schedule kept by every starting worker) and on demand with `pulpcore-manager
teamindex-sweep`. One sweep runs at a time in the whole deployment (a PostgreSQL advisory
lock); spool files and working directories are swept on the node the sweep runs on.
"""
