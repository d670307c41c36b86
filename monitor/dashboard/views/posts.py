"""Posts explorer: search and filter the posts in the period, open them on X, download the rows as CSV.

The search and the page are in the address (?q=...&author=...&names=1&hashtag=...&kind=...&region=...
&page=2), so a shared explorer link opens the same search.
"""
from dataclasses import replace

import streamlit as st

from monitor import metrics
from monitor.dashboard import data, posts_ui, ui, url
from monitor.metrics import PostSearch

PAGE_SIZE = 50
ANY = "Any"
# widget key -> its name in the address
TEXT_PARAMS = {"search_text": "q", "search_author": "author", "search_hashtag": "hashtag"}
PAGE = "page_number"
SEARCH_SEEN = "search_seen"   # the search the page number belongs to: a new search starts at page 1


def _from_link() -> None:
    """A shared link, reload, back or forward: the search and page from the address."""
    for key, param in TEXT_PARAMS.items():
        st.session_state[key] = url.get(param) or ""
    st.session_state["search_author_names"] = url.get("names") == "1"
    kind = url.get("kind")
    st.session_state["search_kind"] = kind if kind in metrics.POST_KINDS else ANY
    asked = url.get("region")
    region = metrics.find_region(data.config(), asked)
    if asked and region is None:
        st.warning(f"No region is called {asked!r}: searching every region.", icon=":material/location_off:")
    st.session_state["search_region"] = region or ANY
    try:
        st.session_state[PAGE] = max(1, int(url.get("page") or 1))
    except ValueError:
        st.session_state[PAGE] = 1
    st.session_state[SEARCH_SEEN] = None   # the page from the link stands for this search


def search_widgets():
    """Text, author, hashtag, kind and region filters; returns (PostSearch, region or None)."""
    if url.from_link():
        _from_link()
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
    url.want(q=text, author=author, names="1" if search.author_names else None, hashtag=hashtag,
             kind=search.kind, region=None if region == ANY else region)
    return search, None if region == ANY else region


def page_number(search, filters, total: int) -> int:
    """The page to show: 1 for a new search; a page past the end is refused (said so, page 1 shown)."""
    seen = (search, filters)
    if st.session_state.get(SEARCH_SEEN) not in (None, seen):
        st.session_state[PAGE] = 1
    st.session_state[SEARCH_SEEN] = seen
    pages = max(1, -(-total // PAGE_SIZE))
    number = int(st.session_state.get(PAGE, 1))
    if number > pages:
        st.warning(f"There is no page {number:,}: {total:,} posts make {pages:,} page{'s' if pages > 1 else ''}. "
                   "Showing page 1.", icon=":material/warning:")
        number = st.session_state[PAGE] = 1
    return number


def _go(step: int) -> None:
    st.session_state[PAGE] = int(st.session_state.get(PAGE, 1)) + step


def pager(number: int, total: int) -> None:
    """Previous and next, below the table."""
    pages = max(1, -(-total // PAGE_SIZE))
    if pages == 1:
        return
    back, where, forward = st.columns([1, 2, 1])
    back.button("Previous page", icon=":material/chevron_left:", disabled=number <= 1, on_click=_go, args=(-1,),
                key="page_previous", width="stretch")
    where.caption(f"Page {number:,} of {pages:,}")
    forward.button("Next page", icon=":material/chevron_right:", disabled=number >= pages, on_click=_go, args=(1,),
                   key="page_next", width="stretch")


st.title("Posts explorer")
search, region = search_widgets()
filters = replace(st.session_state["filters"], region=region)
first_page = data.posts_page(filters, search, limit=PAGE_SIZE, offset=0)
number = page_number(search, filters, first_page.total)
url.want(page=number if number > 1 else None)
page = first_page if number == 1 else data.posts_page(filters, search, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
first_row = (number - 1) * PAGE_SIZE + 1
shown = f"showing {first_row:,}–{first_row + len(page.rows) - 1:,} · " if page.total > PAGE_SIZE else ""
st.caption(f"{page.total:,} posts match · {shown}{ui.period_label(filters.from_date, filters.to_date)}"
           f"{ui.audience_note(filters)} · newest first")
posts_ui.show_posts(page.rows, key="posts_table", empty="No posts match these filters.")
pager(number, page.total)
st.download_button("Download these posts (CSV)", data=lambda: data.posts_csv(filters, search),
                   file_name=f"posts-{filters.campaign}-{filters.from_date}-{filters.to_date}.csv",
                   mime="text/csv", disabled=page.total == 0, icon=":material/download:", key="download_csv")
if page.total > metrics.CSV_MAX_ROWS:
    st.caption(f"The download holds the newest {metrics.CSV_MAX_ROWS:,} rows: narrow the filters for the rest.")
