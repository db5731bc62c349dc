"""Alert and digest emails: multipart text + HTML, built with the standard ``email`` package.

Headers are never assembled from strings: every header goes through ``EmailMessage``,
and any scraped text that reaches a header (a story title in the subject) is first
flattened to one line with no control characters and no encoded-word opener (``=?``),
so a crafted title cannot smuggle in a ``Bcc:``. Bodies are quoted-printable, so the
stored outbox copy is plain ASCII and identical bytes are sent on every retry.

The HTML is for phones first: one column at most 600 px wide, inline styles only, and
a bar chart made of table cells (it survives Gmail, Outlook and Apple Mail, which strip
``<style>`` blocks and block remote images).
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import urlencode

from alerts import fmt

LEVEL_COLOURS = {"waspada": "#b7791f", "siaga": "#c05621", "awas": "#c53030"}
NO_DATA_COLOUR = "#4a5568"
INK = "#1a202c"
MUTED = "#4a5568"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_text(text: str, limit: int = 200) -> str:
    """Scraped text made safe for a header: one line, no control characters, no encoded-word opener."""
    flat = " ".join(_CONTROL.sub(" ", text).split()).replace("=?", "= ?")
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def safe_url(url: str) -> str:
    """Only http(s) links become links; anything else (javascript:, data:) is shown as text."""
    return url if re.match(r"^https?://[^\s\"'<>]+$", url) else ""


@dataclass(kw_only=True, frozen=True)
class Envelope:
    sender: str
    dashboard_url: str
    timezone: str


def message_id(key: str, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "pantau.localdomain"
    return f"<pantau.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def _message(env: Envelope, recipient: str, subject: str, text: str, body_html: str, key: str,
             extra: Mapping[str, str] | None = None) -> EmailMessage:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = env.sender
    msg["To"] = recipient
    msg["Subject"] = header_text(subject, 240)
    msg["Date"] = format_datetime(datetime.now().astimezone())
    msg["Message-ID"] = message_id(key, env.sender)
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in (extra or {}).items():
        msg[name] = header_text(value)
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(body_html, subtype="html", cte="quoted-printable")
    return msg


def dashboard_link(base: str, params: Mapping[str, str]) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{base.rstrip('/')}/?{query}" if query else base


def _level(doc: Mapping[str, Any], level: str) -> tuple[str, str]:
    if doc["kind"] == "no_data":
        return "TIDAK ADA DATA", NO_DATA_COLOUR
    return level.upper(), LEVEL_COLOURS.get(level, INK)


# -- pieces of HTML ---------------------------------------------------------------------------------
def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _page(title: str, preheader: str, inner: str) -> str:
    return (
        "<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{_e(title)}</title></head>"
        "<body style=\"margin:0;padding:0;background:#edf2f7;\">"
        f"<div style=\"display:none;max-height:0;overflow:hidden;\">{_e(preheader)}</div>"
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
        "style=\"background:#edf2f7;\"><tr><td align=\"center\" style=\"padding:12px 8px;\">"
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
        "style=\"max-width:600px;background:#ffffff;border-radius:6px;font-family:Arial,Helvetica,sans-serif;"
        f"color:{INK};font-size:15px;line-height:1.45;\">{inner}</table>"
        "</td></tr></table></body></html>"
    )


def _row(content: str, padding: str = "12px 20px") -> str:
    return f"<tr><td style=\"padding:{padding};\">{content}</td></tr>"


def _heading(text: str) -> str:
    return f"<h2 style=\"margin:8px 0 6px;font-size:16px;color:{INK};\">{_e(text)}</h2>"


def _banner(label: str, colour: str, title: str, subtitle: str) -> str:
    return (
        f"<tr><td style=\"padding:16px 20px;background:{colour};color:#ffffff;border-radius:6px 6px 0 0;\">"
        f"<div style=\"font-size:12px;letter-spacing:1px;font-weight:bold;\">PANTAU · {_e(label)}</div>"
        f"<div style=\"font-size:20px;font-weight:bold;margin-top:4px;\">{_e(title)}</div>"
        f"<div style=\"font-size:14px;margin-top:2px;\">{_e(subtitle)}</div></td></tr>"
    )


def _facts(rows: Sequence[tuple[str, str]]) -> str:
    cells = "".join(
        f"<tr><td style=\"padding:3px 10px 3px 0;color:{MUTED};vertical-align:top;white-space:nowrap;\">{_e(k)}</td>"
        f"<td style=\"padding:3px 0;vertical-align:top;\">{_e(v)}</td></tr>"
        for k, v in rows
    )
    return f"<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" style=\"width:100%;\">{cells}</table>"


def _bars(rows: Sequence[tuple[str, int, int, bool]], colour: str, noun: str = "berita") -> str:
    """Horizontal bars, one per window: label, negative (coloured) and other articles (grey), count."""
    top = max([t for _, _, t, _ in rows] + [1])
    cells = []
    for label, negative, total, current in rows:
        neg_w = max(0, round(100 * negative / top))
        rest_w = max(0, round(100 * (total - negative) / top))
        weight = "bold" if current else "normal"
        bar = ""
        if neg_w:
            bar += (f"<td style=\"width:{neg_w}%;background:{colour if current else '#a0aec0'};height:14px;"
                    "font-size:0;line-height:0;\">&nbsp;</td>")
        if rest_w:
            bar += (f"<td style=\"width:{rest_w}%;background:#e2e8f0;height:14px;font-size:0;line-height:0;\">"
                    "&nbsp;</td>")
        filler = 100 - neg_w - rest_w
        if filler > 0:
            bar += f"<td style=\"width:{filler}%;font-size:0;line-height:0;\">&nbsp;</td>"
        cells.append(
            f"<tr><td style=\"padding:2px 8px 2px 0;font-size:12px;color:{MUTED};white-space:nowrap;"
            f"font-weight:{weight};\">{_e(label)}</td>"
            "<td style=\"padding:2px 0;width:100%;\"><table role=\"presentation\" width=\"100%\" cellpadding=\"0\" "
            f"cellspacing=\"0\"><tr>{bar}</tr></table></td>"
            f"<td style=\"padding:2px 0 2px 8px;font-size:12px;white-space:nowrap;font-weight:{weight};\">"
            f"{fmt.number(negative)} / {fmt.number(total)}</td></tr>"
        )
    legend = (f"<div style=\"font-size:12px;color:{MUTED};margin-top:4px;\">Batang berwarna: {noun} negatif; "
              f"abu-abu muda: {noun} lainnya. Angka: negatif / semua.</div>")
    return ("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\">"
            + "".join(cells) + "</table>" + legend)


def _button(url: str, text: str, colour: str) -> str:
    link = safe_url(url)
    if not link:
        return f"<p>{_e(text)}: {_e(url)}</p>"
    return (f"<a href=\"{_e(link)}\" style=\"display:inline-block;background:{colour};color:#ffffff;"
            f"text-decoration:none;padding:10px 16px;border-radius:4px;font-weight:bold;\">{_e(text)}</a>")


def _story_html(story: Mapping[str, Any], tz: str, with_copies: bool = True) -> str:
    link = safe_url(str(story.get("url", "")))
    title = _e(story["title"])
    title_html = f"<a href=\"{_e(link)}\" style=\"color:{INK};\">{title}</a>" if link else title
    outlets = list(story.get("sources") or [story["source"]])
    copies = ""
    if with_copies and int(story.get("count", 1)) > 1:
        copies = f" · {fmt.number(int(story['count']))} artikel dari {len(outlets)} media"
    when = fmt.when(datetime.fromisoformat(story["published_at"]), tz)
    return (f"<li style=\"margin:0 0 10px;\"><div style=\"font-weight:bold;\">{title_html}</div>"
            f"<div style=\"font-size:13px;color:{MUTED};\">{_e(', '.join(outlets[:4]))} · {_e(when)}{_e(copies)}"
            "</div></li>")


def _story_text(story: Mapping[str, Any], tz: str) -> str:
    outlets = list(story.get("sources") or [story["source"]])
    when = fmt.when(datetime.fromisoformat(story["published_at"]), tz)
    copies = f" · {story['count']} artikel dari {len(outlets)} media" if int(story.get("count", 1)) > 1 else ""
    title = " ".join(str(story["title"]).split())
    return f"- {title}\n  {', '.join(outlets[:4])} · {when}{copies}\n  {story.get('url', '')}"


# -- alert email -------------------------------------------------------------------------------------
def is_posts(doc: Mapping[str, Any]) -> bool:
    """Whether the episode is about public posts (judged apart from news, see :mod:`alerts.watch`)."""
    return (doc.get("watch") or {}).get("source_type") == "social"


def noun(doc: Mapping[str, Any]) -> str:
    """What the episode counts, as its email names it: "berita", or "unggahan" for public posts."""
    return "unggahan" if is_posts(doc) else "berita"


def alert_window(doc: Mapping[str, Any]) -> tuple[datetime, datetime]:
    verdict = doc["detail"].get("verdict")
    if verdict:
        return datetime.fromisoformat(verdict["window_start"]), datetime.fromisoformat(verdict["window_end"])
    updated = datetime.fromisoformat(doc["updated_at"])
    last = doc["detail"].get("last_article")
    return (datetime.fromisoformat(last) if last else updated - timedelta(days=1)), updated


def alert_link(env: Envelope, doc: Mapping[str, Any]) -> str:
    start, end = alert_window(doc)
    watch = doc["watch"]
    region = watch.get("region") or ",".join(watch.get("scope") or [])
    params = {"region": region, "topic": watch.get("topic", ""), "source": watch.get("source", ""),
              "from": fmt.local(start, env.timezone).isoformat(timespec="minutes"),
              "to": fmt.local(end, env.timezone).isoformat(timespec="minutes"),
              "sentiment": "negative" if doc["kind"] == "spike" else "",
              "source_type": "social" if is_posts(doc) else ""}
    return dashboard_link(env.dashboard_url, params)


def alert_subject(doc: Mapping[str, Any], note: Mapping[str, Any], tz: str) -> str:
    label = doc.get("label") or doc["key"]
    detail = doc["detail"]
    if doc["kind"] == "no_data":
        return (f"[Pantau] TIDAK ADA DATA · {label}: {fmt.hours(detail['silent_hours'])} tanpa berita "
                f"(jeda terpanjang biasanya {fmt.hours(detail['normal_gap_hours'])})")
    v = detail["verdict"]
    span_h = round((datetime.fromisoformat(v["window_end"]) - datetime.fromisoformat(v["window_start"]))
                   .total_seconds() / 3600)
    level = str(note["level"]).upper()
    lead = f"Naik ke {level}" if note.get("kind") == "escalation" else level
    text = (f"[Pantau] {lead} · {label}: {fmt.number(v['observed'])} {noun(doc)} negatif dalam {span_h} jam "
            f"(biasanya ±{fmt.number(v['expected'], 1)})")
    stories = detail.get("stories") or []
    if stories:
        text += f" — {header_text(str(stories[0]['title']), 90)}"
    return text


def _spike_facts(doc: Mapping[str, Any], tz: str) -> list[tuple[str, str]]:
    v = doc["detail"]["verdict"]
    start, end = datetime.fromisoformat(v["window_start"]), datetime.fromisoformat(v["window_end"])
    ratio = v["observed"] / v["expected"] if v["expected"] > 0 else float("inf")
    share = v["observed"] / v["total"] if v["total"] else 0.0
    what = noun(doc)
    basis = {"volume": f"jumlah {what} negatif", "share": f"porsi {what} negatif",
             "volume+share": f"jumlah dan porsi {what} negatif"}.get(v["reason"], v["reason"])
    if v.get("windows", 1) == 2:  # a rise that lasts: this window and the one before, together
        basis += (f" selama dua jendela berturut-turut ({fmt.number(v.get('before', 0))} lalu "
                  f"{fmt.number(v['observed'])})")
    p = max(min(v["p_volume"], v["p_share"]), 1e-12)
    odds = fmt.number(10 ** min(12, int(-math.log10(p))))
    return [
        ("Jendela", fmt.span(start, end, tz)),
        (f"{what.capitalize()} negatif", f"{fmt.number(v['observed'])} — biasanya ±{fmt.number(v['expected'], 1)} "
                                         f"pada jam dan hari yang sama ({fmt.number(ratio, 1)}×)"),
        ("Porsi negatif", f"{fmt.percent(share)} dari {fmt.number(v['total'])} {what} "
                          f"(biasanya {fmt.percent(v['baseline_share'])})"),
        ("Dasar", f"{basis}; peluang ini kebetulan kurang dari 1 banding {odds}"),
        ("Sejak", fmt.when(datetime.fromisoformat(doc["opened_at"]), tz)),
    ] + ([("Jenis", "unggahan publik (media sosial), dinilai terpisah dari berita dengan dasarnya sendiri")]
         if is_posts(doc) else [])


def _no_data_facts(doc: Mapping[str, Any], tz: str) -> list[tuple[str, str]]:
    d = doc["detail"]
    last = d.get("last_article")
    return [
        ("Berita terakhir", fmt.when(datetime.fromisoformat(last), tz) if last else "—"),
        ("Sunyi selama", fmt.hours(d["silent_hours"])),
        ("Jeda biasa", f"paling lama {fmt.hours(d['normal_gap_hours'])} dalam periode dasar"),
        ("Artinya", "sumber atau perayap mungkin bermasalah; ini bukan tanda aman"),
    ]


def _chart_rows(doc: Mapping[str, Any], tz: str) -> list[tuple[str, int, int, bool]]:
    chart = doc["detail"].get("chart") or []
    rows = []
    for i, bar in enumerate(chart):
        start = datetime.fromisoformat(bar["start"])
        label = f"{fmt.DAYS[fmt.local(start, tz).weekday()]} {fmt.local(start, tz):%d/%m %H:%M}"
        rows.append((label, int(bar["negative"]), int(bar["total"]), i == len(chart) - 1))
    return rows


def build_alert(env: Envelope, doc: Mapping[str, Any], note: Mapping[str, Any], recipient: str,
                key: str) -> EmailMessage:
    """One alert (or escalation) email of one episode to one recipient."""
    tz = env.timezone
    label = doc.get("label") or doc["key"]
    level_text, colour = _level(doc, str(note["level"]))
    subject = alert_subject(doc, note, tz)
    link = alert_link(env, doc)
    detail = doc["detail"]
    is_spike = doc["kind"] == "spike"
    facts = _spike_facts(doc, tz) if is_spike else _no_data_facts(doc, tz)
    what = noun(doc)
    headline = (f"lonjakan {'unggahan publik' if is_posts(doc) else 'berita'} negatif" if is_spike
                else "tidak ada berita masuk")
    if note.get("kind") == "escalation":
        headline = f"naik ke {level_text}: {headline}"
    stories = detail.get("stories") or []
    terms = [t["term"] for t in detail.get("terms") or []]

    text = [f"PANTAU · {level_text}", f"{label} — {headline}", ""]
    text += [f"{k}: {v}" for k, v in facts]
    if detail.get("chart"):
        text += ["", f"{what.capitalize()} negatif / semua, per jendela (terbaru di bawah):"]
        text += [f"  {lab:<16} {neg:>5} / {tot}" for lab, neg, tot, _ in _chart_rows(doc, tz)]
    if is_spike:
        text += ["", "MENGAPA"]
        if terms:
            text.append("Kata yang menonjol dibanding biasanya: " + ", ".join(terms))
        top = [_story_text(s, tz) for s in stories]
        text += ["", f"{what.capitalize()} negatif teratas:", *top] if stories else []
    text += ["", f"Buka di dasbor: {link}", "",
             "Email ini dikirim otomatis oleh Pantau karena alamat Anda terdaftar sebagai penerima peringatan "
             "wilayah ini ([alerts] recipients). Satu email per kejadian; pembaruan hanya bila tingkatnya naik."]

    parts = [_banner(level_text, colour, label, headline), _row(_facts(facts), "14px 20px 6px")]
    if detail.get("chart"):
        parts.append(_row(_heading(f"{what.capitalize()} per jendela")
                          + _bars(_chart_rows(doc, tz), colour, what)))
    if is_spike:
        why = _heading("Mengapa")
        if terms:
            chips = " ".join(f"<span style=\"display:inline-block;background:#fed7d7;color:#742a2a;"
                             f"border-radius:10px;padding:2px 8px;margin:2px 2px;font-size:13px;\">{_e(t)}</span>"
                             for t in terms)
            why += f"<div style=\"margin-bottom:8px;\"><span style=\"color:{MUTED};\">Kata yang menonjol:</span> "
            why += f"{chips}</div>"
        if stories:
            why += (f"<div style=\"color:{MUTED};\">{what.capitalize()} negatif teratas (salinan dari banyak media "
                    "dikelompokkan):</div><ol style=\"padding-left:20px;margin:6px 0;\">"
                    + "".join(_story_html(s, tz) for s in stories) + "</ol>")
        parts.append(_row(why))
    parts.append(_row(_button(link, "Buka di dasbor Pantau", colour), "8px 20px 16px"))
    parts.append(_row(f"<div style=\"font-size:12px;color:{MUTED};\">Email otomatis dari Pantau. Satu email per "
                      "kejadian; pembaruan hanya bila tingkatnya naik.</div>", "0 20px 16px"))
    preheader = f"{label}: {facts[1][1]}" if is_spike else f"{label}: {facts[1][1]} tanpa berita"
    body_html = _page(subject, preheader, "".join(parts))
    return _message(env, recipient, subject, "\n".join(text) + "\n", body_html, key,
                    {"X-Pantau-Alert": f"{doc['key']} {note['level']}"})


# -- digest ------------------------------------------------------------------------------------------
def build_digest(env: Envelope, digest: Mapping[str, Any], recipient: str, key: str) -> EmailMessage:
    """The morning summary of one recipient's regions (see :mod:`alerts.digest` for its fields)."""
    tz = env.timezone
    start = datetime.fromisoformat(digest["since"])
    end = datetime.fromisoformat(digest["until"])
    subject = f"[Pantau] Ringkasan pagi {fmt.day(end, tz)}: " + ", ".join(
        r["label"] for r in digest["regions"][:3]) + ("…" if len(digest["regions"]) > 3 else "")
    text = [f"PANTAU · Ringkasan pagi · {fmt.span(start, end, tz)}", ""]
    rows_html = []
    for r in digest["regions"]:
        change = r["change"]
        change_text = "baru" if change is None else f"{'+' if change >= 0 else ''}{fmt.number(100 * change)}% vs 7 hr"
        share_delta = r["negative_share"] - r["previous_share"]
        vs_week = "" if change is None else " dibanding rata-rata harian 7 hari sebelumnya"
        text.append(f"{r['label']}: {fmt.number(r['total'])} berita ({change_text.removesuffix(' vs 7 hr')}{vs_week}), "
                    f"negatif {fmt.percent(r['negative_share'])} (7 hari: {fmt.percent(r['previous_share'])})")
        colour = "#c53030" if share_delta > 0.05 else ("#2f855a" if share_delta < -0.05 else INK)
        link = safe_url(dashboard_link(env.dashboard_url, {
            "region": r["code"], "from": fmt.local(start, tz).isoformat(timespec="minutes"),
            "to": fmt.local(end, tz).isoformat(timespec="minutes")}))
        name = f"<a href=\"{_e(link)}\" style=\"color:{INK};\">{_e(r['label'])}</a>" if link else _e(r["label"])
        rows_html.append(
            f"<tr><td style=\"padding:6px 8px 6px 0;border-bottom:1px solid #e2e8f0;\">{name}</td>"
            f"<td style=\"padding:6px 4px;border-bottom:1px solid #e2e8f0;text-align:right;white-space:nowrap;\">"
            f"{fmt.number(r['total'])}<div style=\"font-size:12px;color:{MUTED};\">{_e(change_text)}</div></td>"
            f"<td style=\"padding:6px 0 6px 4px;border-bottom:1px solid #e2e8f0;text-align:right;"
            f"white-space:nowrap;color:{colour};font-weight:bold;\">{fmt.percent(r['negative_share'])}"
            f"<div style=\"font-size:12px;color:{MUTED};font-weight:normal;\">7 hr: "
            f"{fmt.percent(r['previous_share'])}</div></td></tr>"
        )
    table = ("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
             "style=\"font-size:14px;\"><tr>"
             f"<th align=\"left\" style=\"font-size:12px;color:{MUTED};padding-bottom:4px;\">Wilayah</th>"
             f"<th align=\"right\" style=\"font-size:12px;color:{MUTED};\">Berita</th>"
             f"<th align=\"right\" style=\"font-size:12px;color:{MUTED};\">Negatif</th></tr>"
             + "".join(rows_html) + "</table>")
    parts = [_banner("RINGKASAN PAGI", "#2c5282", fmt.span(start, end, tz),
                     f"{len(digest['regions'])} wilayah · {len(digest['alerts'])} peringatan aktif"),
             _row(table, "14px 20px 6px")]
    text.append("")
    if digest["alerts"]:
        text.append("Peringatan aktif:")
        items = []
        for a in digest["alerts"]:
            level = "TIDAK ADA DATA" if a["kind"] == "no_data" else a["severity"].upper()
            colour = NO_DATA_COLOUR if a["kind"] == "no_data" else LEVEL_COLOURS.get(a["severity"], INK)
            since = fmt.when(datetime.fromisoformat(a["opened_at"]), tz)
            text.append(f"- {level} · {a['label']} (sejak {since})")
            items.append(f"<li style=\"margin-bottom:4px;\"><span style=\"color:#fff;background:{colour};"
                         f"border-radius:3px;padding:1px 6px;font-size:12px;font-weight:bold;\">{_e(level)}</span> "
                         f"{_e(a['label'])} <span style=\"color:{MUTED};font-size:13px;\">sejak {_e(since)}"
                         "</span></li>")
        parts.append(_row(_heading("Peringatan aktif") + "<ul style=\"padding-left:18px;margin:4px 0;\">"
                          + "".join(items) + "</ul>"))
    else:
        text.append("Tidak ada peringatan aktif.")
        parts.append(_row(f"<div style=\"color:{MUTED};\">Tidak ada peringatan aktif.</div>"))
    if digest["stories"]:
        text += ["", "Berita negatif teratas:"] + [_story_text(s, tz) for s in digest["stories"]]
        parts.append(_row(_heading("Berita negatif teratas") + "<ol style=\"padding-left:20px;margin:6px 0;\">"
                          + "".join(_story_html(s, tz) for s in digest["stories"]) + "</ol>"))
    link = dashboard_link(env.dashboard_url, {})
    text += ["", f"Dasbor: {link}"]
    parts.append(_row(_button(link, "Buka dasbor Pantau", "#2c5282"), "8px 20px 16px"))
    preheader = "; ".join(f"{r['label']} {fmt.percent(r['negative_share'])} negatif" for r in digest["regions"][:3])
    return _message(env, recipient, subject, "\n".join(text) + "\n", _page(subject, preheader, "".join(parts)), key)
