"""`pulp teamindex ...`: manage team indexes from the pulp CLI.

Installed with the `cli` extra (`pip install pulp-teamindex[cli]`); the server never needs it.
"""

import typing as t

import click
from pulp_cli.generic import PulpCLIContext, pass_pulp_context, pulp_group

from pulp_glue.teamindex.context import (
    PulpTeamIndexDistributionContext,
    PulpTeamIndexPackageContext,
    PulpTeamIndexProjectStatusContext,
    PulpTeamIndexRepositoryContext,
    PulpTeamIndexTrustedPublisherContext,
)

from .blocks import block
from .incidents import cooldown_exception, download
from .resources import distribution, repository


def _index(pulp_ctx: PulpCLIContext, name: str) -> PulpTeamIndexRepositoryContext:
    ctx = PulpTeamIndexRepositoryContext(pulp_ctx)
    ctx.entity = {"name": name}
    return ctx


index_option = click.option(
    "--repository", "index_name", required=True, help="The team index (repository) name."
)


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


# ---- packages ----------------------------------------------------------------------------


@teamindex.group()
def package() -> None:
    """Upload, list, yank, unyank and remove files of an index."""


@package.command(name="upload")
@index_option
@click.option("--file", "path", type=click.File("rb"), required=True, help="A wheel or sdist.")
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
@click.option("--project", help="Only this project's files.")
@pass_pulp_context
def package_list(pulp_ctx: PulpCLIContext, index_name: str, project: str | None) -> None:
    """Files in the index's latest version (uploads it has not folded yet, which are served
    already, are listed by `repository uploads`)."""
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


# ---- project statuses (PEP 792) ------------------------------------------------------------


@teamindex.group()
def project() -> None:
    """PEP 792 statuses of an index's projects: archived, deprecated, quarantined, active."""


STATUSES = ("active", "archived", "deprecated", "quarantined")


@project.command(name="status")
@index_option
@click.option("--project", "name", required=True, help="A project of the index.")
@click.option("--status", type=click.Choice(STATUSES), required=True, help="The new status.")
@click.option("--reason", default="", help="Why (shown to installers); not with active.")
@pass_pulp_context
def project_status(
    pulp_ctx: PulpCLIContext, index_name: str, name: str, status: str, reason: str
) -> None:
    """Set a project's status (a new version): quarantined serves no file and takes no upload,
    archived takes no upload, deprecated only warns, active clears it."""
    index = _index(pulp_ctx, index_name)
    pulp_ctx.output_result(index.set_project_status(name, status, reason))


@project.command(name="list")
@index_option
@click.option("--project", "name", help="Only this project's status.")
@pass_pulp_context
def project_list(pulp_ctx: PulpCLIContext, index_name: str, name: str | None) -> None:
    """The statuses in the index's latest version (a project not listed is active)."""
    latest = _index(pulp_ctx, index_name).entity["latest_version_href"]
    params = {"repository_version": latest, **({"project": name} if name else {})}
    pulp_ctx.output_result(PulpTeamIndexProjectStatusContext(pulp_ctx).list(10000, 0, params))


@repository.command(name="rollback")
@index_option
@click.option("--version", "number", type=int, required=True, help="The version to serve again.")
@pass_pulp_context
def repository_rollback(pulp_ctx: PulpCLIContext, index_name: str, number: int) -> None:
    """Serve an earlier version again (as a new version)."""
    pulp_ctx.output_result(_index(pulp_ctx, index_name).act("rollback", {"version": number}))


@repository.command(name="fold")
@index_option
@pass_pulp_context
def repository_fold(pulp_ctx: PulpCLIContext, index_name: str) -> None:
    """Fold the uploads accepted since the latest version into a version now."""
    pulp_ctx.output_result(_index(pulp_ctx, index_name).act("fold", None))


@repository.command(name="uploads")
@index_option
@click.option("--filename", help="Only uploads of this file.")
@pass_pulp_context
def repository_uploads(pulp_ctx: PulpCLIContext, index_name: str, filename: str | None) -> None:
    """Files accepted by twine, newest first: who, when, and the version holding each."""
    index = _index(pulp_ctx, index_name)
    pulp_ctx.output_result(index.uploads(filename))


@repository.command(name="promote")
@click.option("--from", "source", required=True, help="The index to copy from.")
@index_option
@_with(selection_options)
@pass_pulp_context
def repository_promote(
    pulp_ctx: PulpCLIContext, source: str, index_name: str, filenames, project, version
) -> None:
    """Copy files or a release from another index, keeping hashes and upload times."""
    body = {"source": _index(pulp_ctx, source).pulp_href, **_selection(filenames, project, version)}
    pulp_ctx.output_result(_index(pulp_ctx, index_name).act("promote", body))


# ---- trusted publishers ----------------------------------------------------------------


@teamindex.group(name="trusted-publisher")
def trusted_publisher() -> None:
    """Which CI identities (OIDC tokens) may publish to an index without a stored secret."""


def _claims(values: t.Iterable[str]) -> dict[str, str]:
    claims = {}
    for value in values:
        key, sep, required = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not CLAIM=VALUE.", param_hint="--claim")
        claims[key] = required
    return claims


@trusted_publisher.command(name="create")
@index_option
@click.option("--name", required=True, help="What the policy is for.")
@click.option(
    "--provider",
    type=click.Choice(["github", "gitlab"]),
    help="A preset pinning the immutable ids (github: repository_id, repository_owner_id; "
    "gitlab: project_id, namespace_id) and naming the deployment's issuer.",
)
@click.option("--issuer", default="", help="The tokens' iss (an https URL; default: the preset's).")
@click.option(
    "--claim",
    "claims",
    multiple=True,
    required=True,
    help="CLAIM=VALUE, repeatable; a VALUE ending in * matches as a prefix.",
)
@click.option(
    "--project", "projects", multiple=True, help="A project its tokens may upload (repeatable)."
)
@click.option("--audience", default="", help="The aud tokens must carry (default: the index's).")
@pass_pulp_context
def trusted_publisher_create(
    pulp_ctx: PulpCLIContext,
    index_name: str,
    name: str,
    provider: str | None,
    issuer: str,
    claims,
    projects,
    audience: str,
) -> None:
    """Let identity tokens of ISSUER whose claims match publish to the index (only PROJECTs
    when given)."""
    body = {
        "name": name,
        "repository": _index(pulp_ctx, index_name).pulp_href,
        "provider": provider or "",
        "issuer": issuer,
        "claims": _claims(claims),
        "projects": list(projects),
        "audience": audience,
    }
    pulp_ctx.output_result(PulpTeamIndexTrustedPublisherContext(pulp_ctx).create(body=body))


@trusted_publisher.command(name="list")
@index_option
@pass_pulp_context
def trusted_publisher_list(pulp_ctx: PulpCLIContext, index_name: str) -> None:
    """The index's trusted publisher policies."""
    href = _index(pulp_ctx, index_name).pulp_href
    pulp_ctx.output_result(PulpTeamIndexTrustedPublisherContext(pulp_ctx).of_index(href))


@trusted_publisher.command(name="delete")
@index_option
@click.option("--name", required=True, help="The policy's name.")
@pass_pulp_context
def trusted_publisher_delete(pulp_ctx: PulpCLIContext, index_name: str, name: str) -> None:
    """Remove a policy: tokens it matched can no longer be exchanged."""
    policies = PulpTeamIndexTrustedPublisherContext(pulp_ctx)
    href = _index(pulp_ctx, index_name).pulp_href
    found = [p for p in policies.of_index(href) if p["name"] == name]
    if not found:
        raise click.ClickException(f"Index {index_name!r} has no trusted publisher {name!r}.")
    policies.pulp_href = found[0]["pulp_href"]
    policies.delete()


teamindex.add_command(repository)
teamindex.add_command(distribution)
teamindex.add_command(block)
teamindex.add_command(download)
teamindex.add_command(cooldown_exception)


def mount(main: click.Group, **kwargs: t.Any) -> None:
    main.add_command(teamindex)


__all__ = ["PulpTeamIndexDistributionContext", "mount"]
