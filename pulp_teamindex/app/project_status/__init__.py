"""PEP 792 project statuses of a team index: what each means (`markers`), which one a page,
file or upload meets (`lookup`), and the rules every new version keeps (`rules`).

A status is content (`models.ProjectStatus`), like a yank: setting or clearing it is a repository
version, audited, undone by a rollback, promoted like files.
"""
