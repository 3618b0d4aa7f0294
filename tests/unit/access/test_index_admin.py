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
