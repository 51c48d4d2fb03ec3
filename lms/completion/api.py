"""POST /events/<id>/finalize, POST /events/<id>/reopen, GET /people/<id>/transcript."""
from lms.api.core import Endpoints, get_or_404, json_body, require, user
from lms.catalog.models import Event
from lms.completion import operations
from lms.people.models import Person

endpoints = Endpoints()


@endpoints.post("/events/<int:event_id>/finalize")
def finalize_event(event_id):
    event = get_or_404(Event, event_id)
    require("event.finalize", event)
    return operations.finalize(event, by=user()).as_json(), 200


@endpoints.post("/events/<int:event_id>/reopen")
def reopen_event(event_id):
    event = get_or_404(Event, event_id)
    require("event.reopen", event)
    data = json_body()
    operations.reopen(event, by=user(), reason=data.get("reason"))
    return {"event_id": event.id, "status": event.status}, 200


@endpoints.get("/people/<int:person_id>/transcript")
def person_transcript(person_id):
    person = get_or_404(Person, person_id)
    require("transcript.view", person)
    return operations.transcript(person).as_json()
