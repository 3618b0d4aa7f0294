"""The object store seen from one process: every upload's and download's work with it within
one deadline (`deadline`), and a circuit breaker (`breaker`) that answers at once while the
store is known to be down. `client` keeps an S3 client's own timeouts inside the deadline."""
