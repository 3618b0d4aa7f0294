default_app_config = "pulp_teamindex.app.PulpTeamIndexPluginAppConfig"
