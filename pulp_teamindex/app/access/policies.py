"""Building blocks of the viewsets' access policies (pulpcore's RBAC conventions)."""

VIEW_ANY_AUTHENTICATED = {
    "action": ["list", "retrieve", "my_permissions"],
    "principal": "authenticated",
    "effect": "allow",
}


def admin_statements(app_model, actions_perms):
    """Statements granting each action to users holding the model/domain/object permission."""
    return [
        {
            "action": actions,
            "principal": "authenticated",
            "effect": "allow",
            "condition": [f"has_model_or_domain_or_obj_perms:teamindex.{perm}_{app_model}"],
        }
        for actions, perm in actions_perms
    ]


def owner_hook(model):
    """pulpcore's convention: whoever creates an object gets its owner role."""
    return [
        {
            "function": "add_roles_for_object_creator",
            "parameters": {"roles": f"teamindex.{model}_owner"},
        }
    ]


def owner_roles(model, owner_perms):
    """The creator, owner and viewer roles pulpcore plugins lock for each object type."""
    return {
        f"teamindex.{model}_creator": [f"teamindex.add_{model}"],
        f"teamindex.{model}_owner": [f"teamindex.{perm}_{model}" for perm in owner_perms],
        f"teamindex.{model}_viewer": [f"teamindex.view_{model}"],
    }
