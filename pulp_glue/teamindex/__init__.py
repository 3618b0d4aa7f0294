"""pulp-glue contexts for pulp_teamindex: the resources and their REST calls, for the pulp CLI
and for any tool built on pulp-glue."""
