"""Language choice for instruments in several languages; the page furniture translated."""

from __future__ import annotations

import re

import pytest

from assess.engagements.services import snapshot_of
from assess.extensions import db
from assess.instruments.schema import Audience, Instrument
from assess.respondents import texts
from assess.respondents.models import Response
from tests.respondents.conftest import count, open_token, start


@pytest.fixture
def bilingual(app, make_engagement):
    """An engagement whose instrument speaks English and German."""
    engagement = make_engagement()
    data = engagement.instrument().snapshot()
    data["languages"] = ["en", "de"]
    customer = data["questionnaires"]["customer"]
    customer["title"]["de"] = "Wie man mit Ihnen umgeht"
    customer["sections"][0]["title"]["de"] = "Der Umgang mit ihnen"
    first_item = customer["sections"][0]["items"][0]
    item = next(i for i in data["items"] if i["id"] == first_item)
    item["text"]["de"] = "Es ist einfach, mit ihnen Geschäfte zu machen."
    scale = next(s for s in data["scales"] if s["id"] == "agree5")
    scale["labels"]["5"]["de"] = "Stimme voll zu"
    engagement.snapshot = snapshot_of(Instrument.from_snapshot(data))
    db.session.commit()
    return engagement


def test_the_welcome_page_offers_each_language_of_the_instrument(client, bilingual):
    token = open_token(bilingual, "customer")
    html = client.get(f"/r/{token}").get_data(as_text=True)
    assert '<nav class="languages" aria-label="Language">' in html
    assert re.search(r'lang="de" hreflang="de">Deutsch</a>', html)
    assert re.search(r'lang="en" hreflang="en" aria-current="true">English</a>', html)


def test_choosing_a_language_is_remembered_for_every_page(client, bilingual):
    token = open_token(bilingual, "customer")
    chosen = client.get(f"/r/{token}?lang=de")
    html = chosen.get_data(as_text=True)
    assert '<html lang="de">' in html
    assert "<h1>Wie man mit Ihnen umgeht</h1>" in html and ">Beginnen</a>" in html
    assert "Ihre Anonymität" in html
    cookie = client.get_cookie("assess_lang", path=f"/r/{token}")
    assert cookie is not None and cookie.value == "de"

    start(client, token)
    about_you = client.get(f"/r/{token}/page/0").get_data(as_text=True)
    assert "<h1>Über Sie</h1>" in about_you and "Seite 1 von 6" in about_you
    assert "Keine Angabe" in about_you and ">Weiter</button>" in about_you
    # Texts without a German version fall back to the instrument's default language.
    assert "How long have you been their customer?" in about_you
    section = client.get(f"/r/{token}/page/1").get_data(as_text=True)
    assert "<h1>Der Umgang mit ihnen</h1>" in section
    assert "Es ist einfach, mit ihnen Geschäfte zu machen." in section
    assert "Stimme voll zu" in section and "Weiß nicht / trifft nicht zu" in section
    # The choice is a cookie in the browser, never stored with the answers.
    client.post(f"/r/{token}/page/1", data={"action": "next", "empty_ok": "1"})
    assert count(Response) == 1
    assert "language" not in Response.__table__.columns


def test_the_browser_language_is_the_first_guess(client, bilingual):
    token = open_token(bilingual, "customer")
    german = client.get(f"/r/{token}", headers={"Accept-Language": "de-CH, en;q=0.5"})
    assert '<html lang="de">' in german.get_data(as_text=True)
    unknown = client.get(f"/r/{token}?lang=xx", headers={"Accept-Language": "fi"})
    assert '<html lang="en">' in unknown.get_data(as_text=True)
    assert client.get_cookie("assess_lang", path=f"/r/{token}") is None


def test_the_wrong_link_page_follows_the_browser_language(client):
    page = client.get(f"/r/{'A' * 43}", headers={"Accept-Language": "fr-FR"})
    assert page.status_code == 404
    assert "Ce lien ne fonctionne pas" in page.get_data(as_text=True)


def test_every_shipped_language_has_every_text():
    for code, words in texts.UI_TEXTS.items():
        assert set(words) == set(texts.ENGLISH), code
        for key, text in words.items():
            # The same placeholders as English, so formatting never fails.
            assert set(re.findall(r"{(\w+)}", text)) == set(
                re.findall(r"{(\w+)}", texts.ENGLISH[key])
            ), (code, key)


def test_best_language_prefers_the_choice_then_the_browser():
    assert texts.best_language(["en", "de"], "de", ["en"]) == "de"
    assert texts.best_language(["en", "de"], "xx", ["de-AT", "en"]) == "de"
    assert texts.best_language(["en", "de"], None, ["fi"]) is None
    assert texts.ui_texts("de-CH")["next"] == "Weiter"
    assert texts.ui_texts("sv")["next"] == "Next"  # not shipped: English words
    assert texts.language_name("fr") == "Français" and texts.language_name("tlh") == "tlh"


def test_instrument_text_falls_back_per_text(app, bilingual):
    instrument = bilingual.instrument()
    title = instrument.questionnaires[Audience.STAFF].title
    assert instrument.text(title, "de") == instrument.text(title, "en")
