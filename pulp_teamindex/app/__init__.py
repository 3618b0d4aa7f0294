from pulpcore.plugin import PulpPluginAppConfig


class PulpTeamIndexPluginAppConfig(PulpPluginAppConfig):
    """Registers pulp_teamindex with pulpcore."""

    name = "pulp_teamindex.app"
    label = "teamindex"
    version = "0.1.0.dev0"
    python_package_name = "pulp-teamindex"
    domain_compatible = True

    def ready(self):
        super().ready()
        from pulp_teamindex.app import journal, signals, versions
        from pulp_teamindex.app.models import TeamIndexRepository

        TeamIndexRepository.version_rules = versions.RULES
        TeamIndexRepository.version_listeners = versions.LISTENERS
        TeamIndexRepository.fold_journal = staticmethod(journal.fold)
        signals.connect()
        _check_cooldown_setting()
        from pulp_teamindex.app.sweeper import workers

        workers.connect()  # a starting worker releases dead workers' tasks (issue #26)


def _check_cooldown_setting():
    """A deployment whose TEAMINDEX_UPSTREAM_COOLDOWN cannot be read does not start: a typo
    must never serve with another cooldown than the one meant."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from pulp_teamindex.app.cooldown.rules import duration

    try:
        duration(settings.TEAMINDEX_UPSTREAM_COOLDOWN)
    except ValueError as exc:
        raise ImproperlyConfigured(f"TEAMINDEX_UPSTREAM_COOLDOWN: {exc}") from None
