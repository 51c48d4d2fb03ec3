"""Waiting-list places come from one window query, numbered per event, first come first served."""


def test_places_per_event_in_one_query(db, make, enrol, count_queries):
    from lms.enrollment import operations as ops

    first, second = make.event(capacity=0), make.event(capacity=0)

    def waiting(event, seq):
        e = enrol(make.person(), event, status="waitlisted")
        e.waitlist_seq = seq
        return e

    a3, b1, a1, a2_tie_low = waiting(first, 30), waiting(second, 5), waiting(first, 10), waiting(first, 20)
    a2_tie_high = waiting(first, 20)  # same number: the older row (lower id) is ahead
    b2 = waiting(second, 50)
    seated = enrol(make.person(), first)
    left = enrol(make.person(), first, status="cancelled")
    db.session.flush()

    with count_queries() as q:
        places = ops.waitlist_positions([first.id, second.id])
    assert q.count == 1, str(q)
    assert places == {a1.id: 1, a2_tie_low.id: 2, a2_tie_high.id: 3, a3.id: 4, b1.id: 1, b2.id: 2}

    with count_queries() as q:
        mine = ops.waitlist_positions_of([a3, b2, seated, left])
    assert q.count == 1 and mine == {a3.id: 4, b2.id: 2}
    assert ops.waitlist_positions_of([seated, left]) == {}
    assert [ops.waitlist_position(e) for e in (a1, a3, b2, seated, left)] == [1, 4, 2, None, None]
