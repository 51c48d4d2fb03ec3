"""Catalogue search across programmes, theme filters that follow the programme, pages."""
import re


def _titles(html):
    return re.findall(r'<h3><a href="/activities/\d+">([^<]+)</a></h3>', html)


def test_search_across_all_programmes(db, make, client):
    p, q = make.programme(code="AAA"), make.programme(code="BBB")
    make.activity(programme=p, title="Coaching in practice")
    make.activity(programme=q, title="Coaching for leaders")
    make.activity(programme=q, title="Something else")
    html = client.get("/?programme=all&q=coaching").get_data(as_text=True)
    assert sorted(_titles(html)) == ["Coaching for leaders", "Coaching in practice"]
    assert "2 activities in all programmes" in html
    within = client.get(f"/?programme={q.id}&q=coaching").get_data(as_text=True)
    assert _titles(within) == ["Coaching for leaders"]


def test_a_theme_of_another_programme_no_longer_applies(db, make, client):
    from lms.programmes.models import Theme

    p, q = make.programme(), make.programme()
    theme = Theme(programme=p, name="Leadership")
    db.session.add(theme)
    db.session.flush()
    make.activity(programme=p, title="Led", theme_id=theme.id)
    make.activity(programme=q, title="Other one")
    html = client.get(f"/?programme={q.id}&theme={theme.id}").get_data(as_text=True)
    assert _titles(html) == ["Other one"]
    assert 'id="f-theme"' not in html  # q has no themes: no theme filter offered


def test_the_catalogue_is_paginated(db, make, client):
    p = make.programme()
    for i in range(30):
        make.activity(programme=p, title=f"Activity {i:02d}")
    first = client.get(f"/?programme={p.id}").get_data(as_text=True)
    second = client.get(f"/?programme={p.id}&page=2").get_data(as_text=True)
    assert len(_titles(first)) == 24 and len(_titles(second)) == 6
    assert set(_titles(first)).isdisjoint(_titles(second))
    assert "30 activities" in first


def test_control_characters_in_the_search_are_refused_plainly(db, make, client):
    make.activity(programme=make.programme(), title="Plain")
    r = client.get("/?q=%00%01pl")
    assert r.status_code == 422 and "control characters" in r.get_data(as_text=True)
