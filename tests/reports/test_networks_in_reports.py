"""The weekly report of a campaign collected from X, Bluesky and Mastodon (one poll of each simulated
server): every post and contributor names its network and links to it, and impressions the network does
not count read 'not given', in the workbook, the CSV and the PDF."""
from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone

from monitor.config import DEMO_CAMPAIGN
from monitor.networks import NOT_GIVEN
from monitor.networks import label as network_label
from monitor.reports import build_weekly_report, render
from tests.networks import collect_every_network
from tests.reports.helpers import csv_rows, records, workbook

LINK_STARTS = {"X": "https://x.com/", "Bluesky": "https://bsky.app/profile/", "Mastodon": "https://"}


def this_weeks_report(engine, config):
    """The report of the week holding yesterday: a whole UK day of every network's posts is in it, even
    just after midnight on a Monday, when the new week has hardly begun."""
    today = collect_every_network(engine, config, days=3, campaign_name=DEMO_CAMPAIGN.name)
    year, week, _ = (today - timedelta(days=1)).isocalendar()
    return build_weekly_report(engine, config, year, week, campaign=DEMO_CAMPAIGN.name, now=datetime.now(timezone.utc))


def test_the_workbook_and_csv_name_each_posts_network_with_its_link(engine, config, tmp_path):
    report = this_weeks_report(engine, config)
    wb = workbook(report)
    posts = records(wb["Posts"])
    assert {p["Network"] for p in posts} == set(LINK_STARTS)
    for row in posts:
        assert row["URL"].startswith(LINK_STARTS[row["Network"]]), row
        assert (row["Impressions"] == NOT_GIVEN) == (row["Network"] != "X")
    contributors = records(wb["Contributors"])
    assert all(c["Profile"].startswith(LINK_STARTS[c["Network"]]) for c in contributors)
    exported = csv_rows(report)
    assert [(r["network"], r["url"]) for r in exported] == [(p["Network"], p["URL"]) for p in posts]

    pdf = tmp_path / "week.pdf"
    pdf.write_bytes(render(report, "pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # the PDF's top posts and contributors say whose network each is: "@handle (Bluesky)"
    listed = {network_label(p.network) for p in report.top_posts} | {c["Network"] for c in contributors}
    assert {n for n in LINK_STARTS if f"({n})" in text} == listed
