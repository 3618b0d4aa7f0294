"""`pulp teamindex repository|distribution ...`: the generic resource commands every pulp CLI
plugin offers (list, show, create, update, destroy, versions, labels, roles), built from
pulp-cli's own command factories so they behave like `pulp file repository` and friends."""

import click
from pulp_cli.generic import (
    content_guard_option,
    create_command,
    destroy_command,
    distribution_filter_options,
    distribution_lookup_option,
    href_option,
    label_command,
    label_select_option,
    list_command,
    name_option,
    pulp_group,
    pulp_labels_option,
    pulp_option,
    repository_href_option,
    repository_lookup_option,
    resource_option,
    retained_versions_option,
    role_command,
    show_command,
    type_option,
    update_command,
    version_command,
)
from pulpcore.cli.core.generic import task_command

from pulp_glue.teamindex.context import (
    PulpTeamIndexDistributionContext,
    PulpTeamIndexRepositoryContext,
)


@pulp_group(
    help="Team indexes: create (with the distribution serving them), list, show, update, "
    "delete; their versions, labels and roles; roll back and promote."
)
@type_option(choices={"teamindex": PulpTeamIndexRepositoryContext})
def repository() -> None:
    """Team indexes as pulpcore repositories (versioned)."""


repository_lookup = [href_option, name_option, repository_lookup_option]
repository_nested_lookup = [repository_href_option, repository_lookup_option]
repository_update_options = [
    click.option("--description"),
    click.option("--publisher", help="The one account that may publish (default: the setting)."),
    click.option("--upstream", help="Simple API URL for names no index here owns."),
    click.option(
        "--upstream-cooldown",
        help="Minimum age of an upstream file before it is listed, e.g. 3d or 12h "
        "(default: the deployment's setting).",
    ),
    retained_versions_option,
    pulp_labels_option,
]
repository_create_options = [
    click.option("--name", required=True),
    click.option("--base-path", help="Path of the distribution made with it (default: name)."),
    pulp_option(
        "--distribute/--no-distribute",
        default=None,
        help="Also create the distribution that serves the index (default: yes).",
    ),
    *repository_update_options,
]

repository.add_command(
    list_command(
        decorators=[label_select_option, click.option("--name-startswith", "name__startswith")]
    )
)
repository.add_command(show_command(decorators=repository_lookup))
repository.add_command(create_command(decorators=repository_create_options))
repository.add_command(update_command(decorators=repository_lookup + repository_update_options))
repository.add_command(destroy_command(decorators=repository_lookup))
repository.add_command(task_command(decorators=repository_nested_lookup))
repository.add_command(version_command(decorators=repository_nested_lookup))
repository.add_command(label_command(decorators=repository_nested_lookup))
repository.add_command(role_command(decorators=repository_lookup))


@pulp_group(help="Distributions serving team indexes (the URL pip reads): pin, repoint, guard.")
@type_option(choices={"teamindex": PulpTeamIndexDistributionContext})
def distribution() -> None:
    """Distributions serving team indexes (the URL pip reads)."""


served_repository_option = resource_option(
    "--repository",
    default_plugin="teamindex",
    default_type="teamindex",
    context_table={"teamindex:teamindex": PulpTeamIndexRepositoryContext},
    href_pattern=PulpTeamIndexRepositoryContext.HREF_PATTERN,
    help="Team index to serve, as its name or href.",
)
distribution_lookup = [href_option, name_option, distribution_lookup_option]
distribution_update_options = [
    served_repository_option,
    pulp_option("--version", type=int, help="Pin to this version number (unset: the latest)."),
    content_guard_option,
    pulp_labels_option,
]
distribution_create_options = [
    click.option("--name", required=True),
    click.option("--base-path", required=True),
    *distribution_update_options,
]

distribution.add_command(list_command(decorators=distribution_filter_options))
distribution.add_command(show_command(decorators=distribution_lookup))
distribution.add_command(create_command(decorators=distribution_create_options))
distribution.add_command(
    update_command(
        decorators=distribution_lookup + distribution_update_options + [click.option("--base-path")]
    )
)
distribution.add_command(destroy_command(decorators=distribution_lookup))
distribution.add_command(label_command(decorators=[distribution_lookup_option]))
distribution.add_command(role_command(decorators=distribution_lookup))
