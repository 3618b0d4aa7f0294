"""`pulp teamindex ...`: manage team indexes from the pulp CLI.

Installed with the `cli` extra (`pip install pulp-teamindex[cli]`); the server never needs it.
"""

import typing as t

import click
from pulp_cli.generic import PulpCLIContext, pass_pulp_context, pulp_group

from .context import (
    PulpTeamIndexDistributionContext,
    PulpTeamIndexPackageContext,
    PulpTeamIndexRepositoryContext,
)
from .resources import distribution, repository


def _index(pulp_ctx: PulpCLIContext, name: str) -> PulpTeamIndexRepositoryContext:
    ctx = PulpTeamIndexRepositoryContext(pulp_ctx)
    ctx.entity = {"name": name}
    return ctx


index_option = click.option("--index", "index_name", required=True, help="Team index name.")


def _selection(filenames, project, version):
    if filenames:
        return {"filenames": list(filenames)}
    if not project:
        raise click.UsageError("Give --filename (repeatable) or --project [--version].")
    return {"project": project, **({"version": version} if version else {})}


selection_options = [
    click.option("--filename", "filenames", multiple=True, help="A file name (repeatable)."),
    click.option("--project", help="A project: all its files, or one release with --version."),
    click.option("--version", help="The release of --project."),
]


def _with(options):
    def decorate(func):
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


@pulp_group(name="teamindex")
def teamindex() -> None:
    """Private per-team Python package indexes."""


# ---- indexes -----------------------------------------------------------------------------


@teamindex.group()
def index() -> None:
    """Create, list, show and delete team indexes."""


@index.command(name="list")
@click.option("--name-startswith", default=None)
@pass_pulp_context
def index_list(pulp_ctx: PulpCLIContext, name_startswith: str | None) -> None:
    params = {"name__startswith": name_startswith} if name_startswith else {}
    pulp_ctx.output_result(PulpTeamIndexRepositoryContext(pulp_ctx).list(1000, 0, params))


@index.command(name="show")
@click.option("--name", required=True)
@pass_pulp_context
def index_show(pulp_ctx: PulpCLIContext, name: str) -> None:
    pulp_ctx.output_result(_index(pulp_ctx, name).entity)


@index.command(name="create")
@click.option("--name", required=True)
@click.option("--base-path", help="Defaults to the name.")
@click.option("--publisher", help="Service account allowed to publish (default: the setting).")
@click.option("--description")
@click.option("--label", "labels", multiple=True, help="key=value (repeatable).")
@pass_pulp_context
def index_create(
    pulp_ctx: PulpCLIContext, name: str, labels: t.Sequence[str], **fields: t.Any
) -> None:
    body = {"name": name, **{k: v for k, v in fields.items() if v is not None}}
    if labels:
        body["pulp_labels"] = dict(label.split("=", 1) for label in labels)
    pulp_ctx.output_result(PulpTeamIndexRepositoryContext(pulp_ctx).create(body=body))


@index.command(name="destroy")
@click.option("--name", required=True)
@pass_pulp_context
def index_destroy(pulp_ctx: PulpCLIContext, name: str) -> None:
    """Delete the index and the distribution serving it."""
    _index(pulp_ctx, name).delete()


# ---- packages ----------------------------------------------------------------------------


@teamindex.group()
def package() -> None:
    """Upload, list, yank, unyank and remove files of an index."""


@package.command(name="upload")
@index_option
@click.option("--file", "path", type=click.File("rb"), required=True)
@pass_pulp_context
def package_upload(pulp_ctx: PulpCLIContext, index_name: str, path: t.IO[bytes]) -> None:
    """Publish a wheel or sdist (as the index's publisher)."""
    repository = _index(pulp_ctx, index_name)
    result = PulpTeamIndexPackageContext(pulp_ctx).create(
        body={"file": path, "repository": repository.pulp_href}
    )
    pulp_ctx.output_result(result)


@package.command(name="list")
@index_option
@click.option("--project")
@pass_pulp_context
def package_list(pulp_ctx: PulpCLIContext, index_name: str, project: str | None) -> None:
    """Files in the index's latest version."""
    latest = _index(pulp_ctx, index_name).entity["latest_version_href"]
    params = {"repository_version": latest, **({"name": project} if project else {})}
    pulp_ctx.output_result(PulpTeamIndexPackageContext(pulp_ctx).list(10000, 0, params))


def _file_action(operation: str, reason: bool = False):
    @index_option
    @_with(selection_options)
    @pass_pulp_context
    def command(pulp_ctx, index_name, filenames, project, version, **extra):
        body = {**_selection(filenames, project, version), **extra}
        pulp_ctx.output_result(_index(pulp_ctx, index_name).act(operation, body))

    if reason:
        command = click.option("--reason", default="")(command)
    return command


package.command(name="yank", help="Yank files or a release (PEP 592).")(_file_action("yank", True))
package.command(name="unyank", help="Offer yanked files again.")(_file_action("unyank"))
package.command(name="remove", help="Remove files or a release (new version).")(
    _file_action("remove")
)


# ---- history -----------------------------------------------------------------------------


@teamindex.group()
def version() -> None:
    """The index's history: one version per change."""


@version.command(name="list")
@index_option
@pass_pulp_context
def version_list(pulp_ctx: PulpCLIContext, index_name: str) -> None:
    repository = _index(pulp_ctx, index_name)
    pulp_ctx.output_result(repository.get_version_context().list(1000, 0, {}))


@version.command(name="rollback")
@index_option
@click.option("--version", "number", type=int, required=True)
@pass_pulp_context
def version_rollback(pulp_ctx: PulpCLIContext, index_name: str, number: int) -> None:
    """Serve an earlier version again (as a new version)."""
    pulp_ctx.output_result(_index(pulp_ctx, index_name).act("rollback", {"version": number}))


@teamindex.command()
@click.option("--from", "source", required=True, help="Index to copy from.")
@click.option("--to", "target", required=True, help="Index to copy into.")
@_with(selection_options)
@pass_pulp_context
def promote(
    pulp_ctx: PulpCLIContext, source: str, target: str, filenames, project, version
) -> None:
    """Copy a release from one index to another, keeping hashes and upload times."""
    body = {"source": _index(pulp_ctx, source).pulp_href, **_selection(filenames, project, version)}
    pulp_ctx.output_result(_index(pulp_ctx, target).act("promote", body))


teamindex.add_command(repository)
teamindex.add_command(distribution)


def mount(main: click.Group, **kwargs: t.Any) -> None:
    main.add_command(teamindex)


__all__ = ["PulpTeamIndexDistributionContext", "mount"]
