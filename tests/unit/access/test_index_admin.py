from types import SimpleNamespace

from pulp_teamindex.app.access.index_admin import admin_fields_changed, is_index_admin, refusal


def index(publisher=None, upstream=None):
    return SimpleNamespace(publisher=publisher, upstream=upstream)


def test_new_values_of_publisher_or_upstream_are_admin_decisions():
    current = index(publisher="ci-a")
    assert admin_fields_changed(current, {"publisher": "owner"}) == ["publisher"]
    assert admin_fields_changed(current, {"upstream": "https://pypi.org/simple/"}) == ["upstream"]
    assert admin_fields_changed(current, {"description": "x", "name": "a"}) == []


def test_restating_the_current_value_is_no_change():
    assert admin_fields_changed(index(publisher="ci-a"), {"publisher": "ci-a"}) == []
    assert admin_fields_changed(index(), {"publisher": "", "upstream": None}) == []


def test_on_create_any_value_is_a_decision():
    assert admin_fields_changed(None, {"publisher": "me", "name": "a"}) == ["publisher"]
    assert admin_fields_changed(None, {"publisher": None}) == []


def test_admin_is_model_or_domain_permission():
    domain = object()

    class User:
        def __init__(self, where):
            self.where = where

        def has_perm(self, perm, obj=None):
            return perm == "teamindex.change_teamindexrepository" and obj is self.where

    assert is_index_admin(User(None), domain)
    assert is_index_admin(User(domain), domain)
    assert not is_index_admin(User(object()), domain)


def test_the_refusal_says_who_can_help():
    message = refusal(["publisher", "upstream"])
    assert "publisher and upstream" in message and "Ask an admin" in message


class User:
    def __init__(self, *perms):
        self.perms = set(perms)

    def has_perm(self, perm, obj=None):
        return (perm, obj) in self.perms


def test_cooldown_exceptions_are_for_admins_and_owners_never_the_publisher():
    from pulp_teamindex.app.access.index_admin import CHANGE, may_grant_cooldown_exception

    repo, domain, other = object(), object(), object()
    admin, domain_admin = User((CHANGE, None)), User((CHANGE, domain))
    owner, stranger = User((CHANGE, repo)), User((CHANGE, other))
    for user in (admin, domain_admin):
        assert may_grant_cooldown_exception(user, repo, domain, publishes=False)
        assert may_grant_cooldown_exception(user, repo, domain, publishes=True)
    assert may_grant_cooldown_exception(owner, repo, domain, publishes=False)
    assert not may_grant_cooldown_exception(owner, repo, domain, publishes=True)
    assert not may_grant_cooldown_exception(stranger, repo, domain, publishes=False)
    assert not may_grant_cooldown_exception(User(), repo, domain, publishes=True)


def test_the_cooldown_is_an_admin_field():
    current = SimpleNamespace(publisher=None, upstream="u", upstream_cooldown=None)
    assert admin_fields_changed(current, {"upstream_cooldown": "3d"}) == ["upstream_cooldown"]
    assert admin_fields_changed(current, {"upstream_cooldown": ""}) == []
