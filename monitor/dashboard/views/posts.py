"""Posts explorer: search and filter the posts in the period, open them on X, download the rows as CSV."""
from dataclasses import replace

import streamlit as st

from monitor import metrics
from monitor.dashboard import data, ui
from monitor.metrics import PostSearch

PAGE_SIZE = 50
ANY = "Any"


def search_widgets():
    """Text, author, hashtag, kind and region filters; returns (PostSearch, region or None)."""
    first, second = st.columns(2)
    text = first.text_input("Text contains", key="search_text")
    author = second.text_input("Author's @handle", key="search_author", placeholder="@NAHTnews",
                               help="The exact handle, in any case. Tick the box below to also find "
                                    "authors whose display name contains what you typed.")
    # Names are a scan of every author ever stored: only when asked for (the handle is a look-up).
    names = second.checkbox("Also match display names containing it", key="search_author_names")
    third, fourth, fifth = st.columns(3)
    hashtag = third.text_input("Hashtag", key="search_hashtag", placeholder="#FundOurSchools")
    kind = fourth.selectbox("Kind", [ANY, *metrics.POST_KINDS], key="search_kind")
    regions = [ANY, *metrics.region_keys()]
    region = fifth.selectbox("Region", regions, key="search_region",
                             format_func=lambda k: k if k == ANY else ui.region_name(k))
    search = PostSearch(text=text or None, kind=None if kind == ANY else kind, hashtag=hashtag or None,
                        author=author or None, author_names=bool(author) and names)
    return search, None if region == ANY else region


def page_number(total: int) -> int:
    pages = max(1, -(-total // PAGE_SIZE))
    if pages == 1:
        return 1
    return int(st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, key="page_number"))


st.title("Posts explorer")
search, region = search_widgets()
filters = replace(st.session_state["filters"], region=region)
first_page = data.posts_page(filters, search, limit=PAGE_SIZE, offset=0)
number = page_number(first_page.total)
page = first_page if number == 1 else data.posts_page(filters, search, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
st.caption(f"{page.total:,} posts match · {ui.period_label(filters.from_date, filters.to_date)} · newest first")
ui.show_posts(page.rows, key="posts_table", detail=True)
st.download_button("Download these posts (CSV)", data=lambda: data.posts_csv(filters, search),
                   file_name=f"posts-{filters.campaign}-{filters.from_date}-{filters.to_date}.csv",
                   mime="text/csv", disabled=page.total == 0, icon=":material/download:", key="download_csv")
if page.total > metrics.CSV_MAX_ROWS:
    st.caption(f"The download holds the newest {metrics.CSV_MAX_ROWS:,} rows: narrow the filters for the rest.")
