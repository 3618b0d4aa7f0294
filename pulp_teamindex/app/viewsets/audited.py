"""What the block list and the cooldown exceptions share: records that are never deleted (the
list is the audit), whose creation and end every content app applies before the call returns."""

from django.db import transaction
from django.utils import timezone
from rest_framework.response import Response

from pulp_teamindex.app.change_feed import BLOCK, notify_changed, unique_change


def create_announced(serializer):
    """Save a new record, and have every content app judge its pages anew."""
    with transaction.atomic():
        serializer.save()
        notify_changed(unique_change(BLOCK), confirm=True)


def end_announced(record, request, serializer_class, when, who):
    """End `record` once (setting its `when` and `who` fields), announce it, and answer 201
    with the record, as pulpcore's POST actions answer."""
    if getattr(record, when) is None:
        with transaction.atomic():
            setattr(record, when, timezone.now())
            setattr(record, who, request.user.get_username())
            record.save(update_fields=[when, who])
            notify_changed(unique_change(BLOCK), confirm=True)
    return Response(serializer_class(record, context={"request": request}).data, status=201)
