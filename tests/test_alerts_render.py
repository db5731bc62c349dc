"""One alert email and one digest as a PR officer opens them: rendered by headless Chromium at phone
width (400 px) and desktop width (1200 px), kept under build/test-artifacts/emails/ for a person to look at."""

from __future__ import annotations

import html
import smtplib
from datetime import timedelta
from email.message import EmailMessage

import pytest

from alerts import state
from alerts.email import build_alert
from alerts.outbox import Transient
from alerts.run import envelope, run_alerts, run_digest
from index.sqlite import SqliteStore
from tests.alerts_world import NOW, coverage, settings, spike
from tests.browser import ARTIFACTS, dump_dom, png_size_and_colours, screenshot

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)> [klik](javascript:alert(3)) Banjir Samarinda"


def width_probe(page_html: str, width: int) -> str:
    """A page that lays the email out in a frame exactly ``width`` px wide and records how wide it gets.

    Headless Chromium will not make a window narrower than 500 px, so a 400 px phone is a frame.
    """
    return ("<!DOCTYPE html><html><body style='margin:0'>"
            f"<iframe id='f' style='width:{width}px;height:1600px;border:0' srcdoc=\"{html.escape(page_html)}\">"
            "</iframe><script>document.getElementById('f').addEventListener('load', () => "
            "document.body.setAttribute('data-scroll-width', "
            "document.getElementById('f').contentDocument.documentElement.scrollWidth))</script></body></html>")


def body_part(msg: EmailMessage, subtype: str = "html") -> str:
    """The decoded text of the email's ``html`` or ``plain`` body."""
    part = msg.get_body((subtype,))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


@pytest.fixture(scope="module")
def emails(tmp_path_factory: pytest.TempPathFactory) -> dict[str, EmailMessage]:
    tmp = tmp_path_factory.mktemp("render")
    store = SqliteStore(f"sqlite:///{tmp / 'pantau.db'}")
    store.upsert(coverage("64.72") + coverage("64.71", per_day=14)
                 + spike("64.72", 12, NOW.replace(minute=0) - timedelta(hours=6), 6,
                         titles=("Banjir rendam ratusan rumah di {place}", "Warga {place} mengungsi, banjir "
                                 "setinggi dada", HOSTILE)))
    cfg = settings(store.url, 25)
    alert = run_alerts(store, cfg, NOW, dry_run=True).outgoing
    run_alerts(store, cfg, NOW, connector=_refuse)  # the episode must exist for the digest to list it
    digest = run_digest(store, cfg, NOW, dry_run=True).outgoing
    store.close()
    province = "humas@kaltimprov.example.id"
    return {"alert": next(o.message for o in alert if o.recipient == province),
            "digest": next(o.message for o in digest if o.recipient == province)}


def _refuse() -> smtplib.SMTP:
    raise Transient("no SMTP server in this test: the mail waits in the outbox")


@pytest.mark.parametrize("name", ["alert", "digest"])
@pytest.mark.parametrize("width", [400, 1200])
def test_email_reads_at_phone_and_desktop_width(emails: dict[str, EmailMessage], name: str, width: int) -> None:
    out = ARTIFACTS / "emails"
    out.mkdir(parents=True, exist_ok=True)
    page = out / f"{name}.html"
    page.write_text(body_part(emails[name]), encoding="utf-8")
    shot = screenshot(page, out / f"{name}-{width}.png", width, 1600)
    w, h, colours = png_size_and_colours(shot)
    assert (w, h) == (width, 1600) and colours > 20  # not a blank page
    probe = out / f"{name}-{width}-probe.html"
    probe.write_text(width_probe(page.read_text(encoding="utf-8"), width), encoding="utf-8")
    dom = dump_dom(probe, width=max(width, 600))
    scroll = int(dom.split('data-scroll-width="', 1)[1].split('"', 1)[0])
    assert scroll <= width, f"{name} is {scroll} px wide at a {width} px window: it scrolls sideways"


def test_scraped_markup_in_a_title_is_inert_text(emails: dict[str, EmailMessage]) -> None:
    out = ARTIFACTS / "emails"
    out.mkdir(parents=True, exist_ok=True)
    page = out / "alert-dom.html"
    body = body_part(emails["alert"])
    page.write_text(body, encoding="utf-8")
    dom = dump_dom(page)
    assert "<script" not in dom and "<img" not in dom and "javascript:" not in dom.replace(
        "[klik](javascript:alert(3))", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # shown to the reader as the text it is
    plain = emails["alert"].get_body(("plain",))
    assert plain is not None and "<script>alert(1)</script>" in plain.get_content()


def test_a_rise_over_two_windows_says_so_in_the_email(tmp_path_factory: pytest.TempPathFactory) -> None:
    """When the detector's evidence is this window and the one before together, the email says so and
    gives both counts, so the officer is not left wondering why a modest window alerted."""
    tmp = tmp_path_factory.mktemp("sustained")
    store = SqliteStore(f"sqlite:///{tmp / 'pantau.db'}")
    store.upsert(coverage("64.72") + spike("64.72", 12, NOW.replace(minute=0) - timedelta(hours=6), 6))
    cfg = settings(store.url, 25)
    run_alerts(store, cfg, NOW, connector=_refuse)
    eid, doc = next((k, d) for k, d in state.load(store).items() if d.get("kind") == "spike")
    store.close()
    note = {"level": doc["severity"], "kind": "new"}
    one = build_alert(envelope(cfg), doc, note, "humas@kaltimprov.example.id", eid)
    assert "berturut-turut" not in body_part(one, "plain")
    verdict = dict(doc["detail"]["verdict"], windows=2, before=9)
    two = build_alert(envelope(cfg), dict(doc, detail=dict(doc["detail"], verdict=verdict)), note,
                      "humas@kaltimprov.example.id", eid)
    text = body_part(two, "plain")
    assert f"selama dua jendela berturut-turut (9 lalu {verdict['observed']})" in text, text
    assert "berturut-turut" in body_part(two)
