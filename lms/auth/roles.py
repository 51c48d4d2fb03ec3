"""What a person's role grants say: the programmes they coordinate, the organisations
they manage. Plain facts read from ``Person.roles``, for the areas' own rules (who may
approve, which rows a list shows) as well as for :mod:`lms.auth.policy`, whose access
rules are built on them and which re-exports every name here.
"""
from sqlalchemy import select

from lms.extensions import db
from lms.people.models import Organisation


def grants(user):
    """The role grants of a signed-in ``user`` (none for anonymous users)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(user.roles)


def is_admin(user):
    return any(g.role == "admin" for g in grants(user))


def coordinated_programme_ids(user):
    """The programmes ``user`` coordinates: None when every programme (admins and
    coordinators whose grant names no programme), else a set of ids (empty for others)."""
    held = grants(user)
    if any(g.role == "admin" or (g.role == "coordinator" and g.programme_id is None) for g in held):
        return None
    return {g.programme_id for g in held if g.role == "coordinator" and g.programme_id is not None}


def coordinates(user, programme_id):
    """Admin, or coordinator of ``programme_id``. Every coordinator decision names its
    programme: with ``programme_id`` None only those who coordinate every programme pass."""
    ids = coordinated_programme_ids(user)
    return ids is None or (programme_id is not None and programme_id in ids)


def is_coordinator(user):
    """Admin or coordinator of at least one programme (menus and collection pages, which
    then show only the programmes' own rows)."""
    return coordinated_programme_ids(user) != set()


def coordinates_all(user):
    """Admin or a coordinator not limited to one programme."""
    return coordinated_programme_ids(user) is None


def managed_organisation_ids(user):
    """Ids of organisations the user manages (a federation's managers also manage its members)."""
    ids = {g.organisation_id for g in grants(user) if g.role == "manager" and g.organisation_id}
    if ids:
        ids |= set(db.session.scalars(select(Organisation.id).where(Organisation.parent_id.in_(ids))))
    return ids


def manages(user, organisation_id):
    return organisation_id is not None and organisation_id in managed_organisation_ids(user)


def is_manager(user):
    return any(g.role == "manager" for g in grants(user))
