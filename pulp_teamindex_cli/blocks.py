"""`pulp teamindex block ...`: the deployment's block list, for admins during an incident."""

import click
from pulp_cli.generic import PulpCLIContext, pass_pulp_context

from pulp_glue.teamindex.context import PulpTeamIndexBlockContext

KINDS = click.Choice(["project", "release", "filename", "sha256"])


@click.group(name="block")
def block() -> None:
    """Block a project, release, filename or sha256 in every index (admins)."""


@block.command(name="create")
@click.option("--kind", type=KINDS, required=True, help="What --value names.")
@click.option("--value", required=True, help="A project, <project>==<version>, a filename…")
@click.option("--reason", required=True, help="Why; shown to everyone the block stops.")
@pass_pulp_context
def block_create(pulp_ctx: PulpCLIContext, kind: str, value: str, reason: str) -> None:
    """Withhold it from every index until the block is lifted."""
    body = {"kind": kind, "value": value, "reason": reason}
    pulp_ctx.output_result(PulpTeamIndexBlockContext(pulp_ctx).create(body=body))


@block.command(name="list")
@click.option("--project", help="Only the blocks naming this project (normalized).")
@click.option("--active/--all", default=True, help="Only blocks not lifted (the default).")
@pass_pulp_context
def block_list(pulp_ctx: PulpCLIContext, project: str | None, active: bool) -> None:
    """Blocks, newest first, lifted ones too with --all."""
    parameters = {"project": project} if project else {}
    listed = PulpTeamIndexBlockContext(pulp_ctx).list(limit=10000, offset=0, parameters=parameters)
    pulp_ctx.output_result([b for b in listed if not (active and b["lifted_at"])])


@block.command(name="lift")
@click.option("--href", required=True, help="The block's pulp_href (see `block list`).")
@pass_pulp_context
def block_lift(pulp_ctx: PulpCLIContext, href: str) -> None:
    """Lift the block; who lifted it is recorded."""
    blocks = PulpTeamIndexBlockContext(pulp_ctx)
    blocks.pulp_href = href
    pulp_ctx.output_result(blocks.lift())
