"""MP accounts in the simulated X API, drawn from the MP register (monitor/mps/data): some MPs post about
the campaign, reply to and quote members' campaign posts from their region, or post on its subject
without its hashtags (what the MP watch finds), and members mention their MP.

Added to a corpus built by monitor.fakex.generator, with a random generator of its own seeded from the
corpus's seed: the corpus's own posts stay exactly as they were, and the same seed gives the same MPs.
"""
from __future__ import annotations

import bisect
import random
from datetime import timedelta

from monitor.mps.register import read_packaged
from monitor.snowflake import snowflake

from .corpus import DAY_MS, HOUR_MS, Corpus, PostFacts, iso_time, to_ms
from .corpus import UK_TIME as UK
from .engagement import draw_engagement

# Rates over the corpus's days: a fifth of the MPs on X post about the campaign, one to four times;
# two in five of those posts answer or quote a member's campaign post from their region, and a third of
# the rest are on the subject without a campaign hashtag. Members asking their MP add 2% to the posts.
ENGAGED_SHARE = 0.2
POSTS_PER_ENGAGED_MP = (1, 4)
REPLY_QUOTE_SHARE = 0.4
WATCH_ONLY_SHARE = 0.33
MEMBER_ASKS_SHARE = 0.02
MP_HOURS = range(8, 22)   # MPs post in the UK day

CAMPAIGN_TEXTS = (
    "Met head teachers from {place} today: pupil and family services are stretched to breaking point.",
    "Proud to support school leaders in {place} calling for proper investment in pupil services.",
    "Thank you to the heads who came to Westminster to talk about waiting lists for support.",
    "Joined NAHT members at a roundtable in {place} on the services pupils and families rely on.",
)
SUBJECT_TEXTS = (   # the MP watch's keywords, no campaign hashtag
    "Waiting lists for CAMHS in {place} are far too long for children who need help now.",
    "Schools in {place} tell me SEND support has not kept up with need.",
    "Speech and language therapy should not mean a two-year wait.",
    "School funding has to match what we now ask schools to do.",
    "Educational psychologists are stretched across {place}: I have written to the minister.",
)
REPLY_TEXTS = ("Thank you for having me: CAMHS waits like these are why I back this.",
               "Good to hear this from local leaders. School funding has to follow need.",
               "I will raise SEND support in Parliament.")
QUOTE_TEXTS = ("Worth reading: this is what schools in {place} are seeing with SEND.",
               "Heads are right to raise school funding.")
ASK_TEXTS = ("will you come to our roundtable on pupil services?", "please read our letter about local services.",
             "our school waited 18 months for an assessment. Will you help?")


def _mp_users(rng: random.Random, corpus: Corpus, register) -> list[dict]:
    users = []
    taken = {u["username"].lower() for u in corpus.users.values()}
    for row in register:
        if not row.x_username or row.x_username.lower() in taken:
            continue
        created_ms = to_ms(corpus.start) - rng.randint(800, 5000) * DAY_MS
        user_id = str(snowflake(created_ms, rng.getrandbits(22)))
        followers = min(400_000, int(rng.lognormvariate(9.3, 0.9)))
        user = {"id": user_id, "name": f"{row.name} MP", "username": row.x_username,
                "created_at": iso_time(created_ms), "location": row.constituency,
                "description": f"{row.party} MP for {row.constituency}.", "protected": False, "verified": True,
                "verified_type": "government" if rng.random() < 0.6 else "blue",
                "public_metrics": {"followers_count": followers, "following_count": rng.randint(300, 4000),
                                   "tweet_count": rng.randint(2000, 40_000), "listed_count": followers // 100,
                                   "like_count": rng.randint(0, 20_000)}}
        corpus.users[user_id] = user
        corpus.user_regions[user_id] = row.region
        users.append({**user, "region": row.region, "place": row.constituency})
    return users


def _insert(rng: random.Random, corpus: Corpus, ms: int, author: dict, text: str, *, tags=(), mentions=(),
            reference: tuple[str, dict] | None = None) -> None:
    """Put a post into the corpus in id order, with its entities, as the generator's own posts are."""
    id_int = snowflake(ms, rng.getrandbits(22))
    while str(id_int) in corpus.post_by_id:
        id_int = snowflake(ms, rng.getrandbits(22))
    post_id = str(id_int)
    entities: dict = {}
    for user in mentions:
        start = text.index("@" + user["username"])
        entities.setdefault("mentions", []).append({"start": start, "end": start + len(user["username"]) + 1,
                                                   "username": user["username"], "id": user["id"]})
    for tag in tags:
        start = text.index("#" + tag)
        entities.setdefault("hashtags", []).append({"start": start, "end": start + len(tag) + 1, "tag": tag})
    post = {"id": post_id, "text": text, "author_id": author["id"], "created_at": iso_time(ms), "lang": "en",
            "conversation_id": post_id, "edit_history_tweet_ids": [post_id], "possibly_sensitive": False,
            "reply_settings": "everyone"}
    if entities:
        post["entities"] = entities
    if reference:
        kind, parent = reference
        post["referenced_tweets"] = [{"type": kind, "id": parent["id"]}]
        if kind == "replied_to":
            post["conversation_id"] = parent["conversation_id"]
            post["in_reply_to_user_id"] = parent["author_id"]
    final_metrics, growth = draw_engagement(corpus.seed, post_id, author["public_metrics"]["followers_count"])
    facts = PostFacts(id=post_id, id_int=id_int, ms=ms, author_id=author["id"], username=author["username"].lower(),
                      hashtags=frozenset(t.lower() for t in tags),
                      mentions=frozenset(u["username"].lower() for u in mentions), text_lower=text.lower(),
                      lang="en", is_reply=bool(reference and reference[0] == "replied_to"),
                      is_quote=bool(reference and reference[0] == "quoted"), has_geo=False,
                      final_metrics=final_metrics, growth=growth)
    position = bisect.bisect_left(corpus.ids_ascending, id_int)
    corpus.ids_ascending.insert(position, id_int)
    corpus.posts.insert(position, post)
    corpus.facts.insert(position, facts)
    corpus.post_by_id[post_id] = post
    corpus.facts_by_id[post_id] = facts


def _daytime_ms(rng: random.Random, corpus: Corpus) -> int:
    day = (corpus.start + timedelta(days=rng.randrange(corpus.days))).astimezone(UK)
    moment = day.replace(hour=rng.choice(MP_HOURS), minute=rng.randrange(60), second=rng.randrange(60))
    return max(to_ms(corpus.start), min(to_ms(moment), to_ms(corpus.start) + corpus.days * DAY_MS - 1))


def _campaign_posts(corpus: Corpus) -> tuple[dict[str, list[dict]], list[dict]]:
    """Campaign posts of members per their author's region, and the union's own campaign posts."""
    tags = {t.lower() for t in corpus.hashtags}
    official = (corpus.mention or "").lower()
    members: dict[str, list[dict]] = {}
    union: list[dict] = []
    for facts in corpus.facts:
        if not facts.hashtags & tags:
            continue
        if facts.username == official:
            union.append(corpus.post_by_id[facts.id])
        elif (region := corpus.user_regions.get(facts.author_id)) and not facts.username.startswith("naht"):
            members.setdefault(region, []).append(corpus.post_by_id[facts.id])
    return members, union


def _answer(rng: random.Random, corpus: Corpus, mp: dict, parent: dict, end_ms: int) -> None:
    """An MP's reply to or quote of a campaign post. A reply starts with the @handle it answers: one to
    the union's post mentions it (so the campaign's search finds it); one to a member's does not, and
    only the MP watch finds it, by its subject."""
    ms = min(end_ms, corpus.facts_by_id[parent["id"]].ms + rng.randint(10 * 60_000, 36 * HOUR_MS))
    if rng.random() < 0.6:
        parent_author = corpus.users[parent["author_id"]]
        text = f"@{parent_author['username']} {rng.choice(REPLY_TEXTS)}"
        _insert(rng, corpus, ms, mp, text, mentions=[parent_author], reference=("replied_to", parent))
    else:
        _insert(rng, corpus, ms, mp, rng.choice(QUOTE_TEXTS).format(place=mp["place"]), reference=("quoted", parent))


def add_mp_activity(corpus: Corpus, register=None) -> list[dict]:
    """Add the register's MPs on X to the corpus, with their posts and members' posts mentioning them;
    returns the MP users added."""
    if register is None:
        register = read_packaged()
    rng = random.Random(f"mps-{corpus.seed}")
    tag = corpus.hashtags[0] if corpus.hashtags else None
    end_ms = to_ms(corpus.start) + corpus.days * DAY_MS - 1
    members, union = _campaign_posts(corpus)
    asks = round(len(corpus.posts) * MEMBER_ASKS_SHARE)
    mps = _mp_users(rng, corpus, register)
    for mp in rng.sample(mps, k=round(len(mps) * ENGAGED_SHARE)):
        for _ in range(rng.randint(*POSTS_PER_ENGAGED_MP)):
            parents = union if rng.random() < 0.5 else members.get(mp["region"])
            if parents and rng.random() < REPLY_QUOTE_SHARE:
                _answer(rng, corpus, mp, rng.choice(parents), end_ms)
            elif tag and rng.random() >= WATCH_ONLY_SHARE:
                text = f"{rng.choice(CAMPAIGN_TEXTS).format(place=mp['place'])} #{tag}"
                _insert(rng, corpus, _daytime_ms(rng, corpus), mp, text, tags=[tag])
            else:
                _insert(rng, corpus, _daytime_ms(rng, corpus), mp, rng.choice(SUBJECT_TEXTS).format(place=mp["place"]))
    for _ in range(asks if tag else 0):
        mp = rng.choice(mps)
        local = members.get(mp["region"])
        if not local:
            continue
        member = corpus.users[rng.choice(local)["author_id"]]
        text = f"@{mp['username']} {rng.choice(ASK_TEXTS)} #{tag}"
        _insert(rng, corpus, _daytime_ms(rng, corpus), member, text, tags=[tag], mentions=[mp])
    return mps
