"""Fields the serializers share."""

from gettext import gettext as _

from pulpcore.plugin.serializers import DetailRelatedField
from rest_framework import serializers

from pulp_teamindex.app.models import TeamIndexRepository


class IndexField(DetailRelatedField):
    """A team index named by its repository href. pulpcore's related field reads the value as
    a string and answers anything else (`{"repository": 5}`) with a 500; this one says what to
    send, with a 400."""

    def __init__(self, **kwargs):
        kwargs.setdefault("view_name_pattern", r"repositories(-.*/.*)-detail")
        kwargs.setdefault("queryset", TeamIndexRepository.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Send the index's repository href as a string."))
        return super().to_internal_value(data)
