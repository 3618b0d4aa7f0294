"""`pulp teamindex download list` and `pulp teamindex cooldown-exception ...`: what an admin
asks during a supply-chain incident (who fetched it?) and the cooldown's exceptions."""

from datetime import UTC, datetime

import click
from pulp_cli.generic import PulpCLIContext, pass_pulp_context

from pulp_glue.teamindex.context import (
    PulpTeamIndexCooldownExceptionContext,
    PulpTeamIndexDownloadContext,
    PulpTeamIndexRepositoryContext,
)


@click.group(name="download")
def download() -> None:
    """The download record (admins): who fetched which file of which index."""


@download.command(name="list")
@click.option("--block", help="A block's pulp_href: the downloads of what it names.")
@click.option("--sha256")
@click.option("--filename")
@click.option("--project", help="A normalized project name.")
@click.option("--version", help="With --project: one release.")
@click.option("--user", help="A user name ('' for anonymous readers).")
@click.option("--token", help="A read token's prefix.")
@click.option("--index-name", help="The index's name.")
@click.option("--days", type=click.IntRange(min=0), help="Only the last N days.")
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True)
@pass_pulp_context
def download_list(pulp_ctx: PulpCLIContext, limit: int, days: int | None, **filters) -> None:
    """Downloads per hour, index, file, reader and client, newest first."""
    parameters = {name: value for name, value in filters.items() if value is not None}
    if days is not None:
        parameters["days"] = days
    records = PulpTeamIndexDownloadContext(pulp_ctx)
    pulp_ctx.output_result(records.list(limit=limit, offset=0, parameters=parameters))


@click.group(name="cooldown-exception")
def cooldown_exception() -> None:
    """Let a project or release of an index's upstream through its cooldown (admins, owners)."""


@cooldown_exception.command(name="grant")
@click.option("--repository", "index_name", required=True, help="The team index's name.")
@click.option("--value", required=True, help="A project, or <project>==<version>.")
@click.option("--reason", required=True, help="Why it may not wait (kept for the audit).")
@click.option(
    "--expires-at",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]),
    help="When it ends, within a year (2026-12-31, 2026-12-31T18:00:00+00:00; UTC if no zone).",
)
@pass_pulp_context
def exception_grant(
    pulp_ctx: PulpCLIContext, index_name: str, value: str, reason: str, expires_at: datetime
) -> None:
    """Grant an exception; every content app serves the files at once."""
    index = PulpTeamIndexRepositoryContext(pulp_ctx)
    index.entity = {"name": index_name}
    body = {"repository": index.pulp_href, "value": value, "reason": reason}
    body["expires_at"] = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
    pulp_ctx.output_result(PulpTeamIndexCooldownExceptionContext(pulp_ctx).create(body=body))


@cooldown_exception.command(name="list")
@click.option("--project", help="Only the exceptions of this project (normalized).")
@pass_pulp_context
def exception_list(pulp_ctx: PulpCLIContext, project: str | None) -> None:
    """Exceptions of the indexes you may read, newest first, revoked and expired ones too."""
    parameters = {"project": project} if project else {}
    exceptions = PulpTeamIndexCooldownExceptionContext(pulp_ctx)
    pulp_ctx.output_result(exceptions.list(limit=10000, offset=0, parameters=parameters))


@cooldown_exception.command(name="revoke")
@click.option("--href", required=True, help="The exception's pulp_href (see `list`).")
@pass_pulp_context
def exception_revoke(pulp_ctx: PulpCLIContext, href: str) -> None:
    """Revoke it; who revoked it and when is recorded."""
    exceptions = PulpTeamIndexCooldownExceptionContext(pulp_ctx)
    exceptions.pulp_href = href
    pulp_ctx.output_result(exceptions.revoke())
