Runs on several nodes with artifacts in object storage: files of an index (including uploads not
yet folded into a version) up to `TEAMINDEX_OBJECT_CACHE_MAX_FILE` are read once, verified and
served from the content app's memory; larger ones are redirected to signed URLs of the object
store, or streamed by the content app when `REDIRECT_TO_OBJECT_STORAGE` is off. While the store
is unreachable only file downloads and uploads fail, with a 503 that says so. Install
`pulp-teamindex[s3]` for S3. `dev/cluster.py` starts a two-node cluster with an S3 store on one
machine.
