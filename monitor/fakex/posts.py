"""The simulated X's posts: who posts each one, its text and entities (replies, quotes, mentions, campaign
and unrelated hashtags, Welsh, long posts), its place, and its engagement.

Draws from the corpus's one generator in a fixed order (see monitor.fakex.generator); a long post's text
from a generator of its own.
"""
from __future__ import annotations

import itertools
import random

from monitor.snowflake import snowflake

from . import profiles
from .authors import Author
from .corpus import TEXT_LIMIT, Corpus, PostFacts, as_served, iso_time, whole_text
from .engagement import draw_engagement

REPLY_SHARE, QUOTE_SHARE = 0.18, 0.07
NOISE_SHARE, MENTION_ONLY_SHARE = 0.04, 0.15
PLACE_SHARE, EDITED_SHARE = 0.01, 0.005
OFFICIAL_SHARE, BRANCH_SHARE = 0.03, 0.004     # of all posts
TAG_COUNT_CUM_WEIGHTS = (60, 90, 100)           # 1, 2 or 3 campaign tags in a post
# Posts over X's 280 characters (Premium accounts): `text` comes cut, ending in CUT_MARK, and the whole
# post in `note_tweet` with its own entities, only when tweet.fields asks for note_tweet. In half of them
# the campaign hashtags come only after the cut (X's search matches the whole text).
LONG_SHARE, LONG_TAGS_AFTER_CUT_SHARE = 0.03, 0.5


class TextBuilder:
    """Builds a post's text and its entities with the right start/end offsets."""

    def __init__(self):
        self.parts: list[str] = []
        self.length = 0
        self.hashtags: list[dict] = []
        self.mentions: list[dict] = []

    def add(self, piece: str) -> None:
        if piece:
            self.parts.append(piece)
            self.length += len(piece)

    def space(self) -> None:
        if self.parts and not self.parts[-1].endswith((" ", "\n")):
            self.add(" ")

    def mention(self, username: str, user_id: str) -> None:
        start = self.length
        self.add("@" + username)
        self.mentions.append({"start": start, "end": self.length, "username": username, "id": user_id})

    def hashtag(self, tag: str) -> None:
        self.space()
        start = self.length
        self.add("#" + tag)
        self.hashtags.append({"start": start, "end": self.length, "tag": tag})

    def text(self) -> str:
        return "".join(self.parts)


class PostFactory:
    def __init__(self, rng: random.Random, corpus: Corpus, authors: list[Author]):
        self.rng = rng
        self.corpus = corpus
        self.authors = authors
        self.official = authors[0] if corpus.mention else None
        self.notables = [a for a in authors if a.kind in ("journalist", "mp")] or authors
        self.place_ids_by_region: dict[str | None, list[str]] = {}
        for place_id, place_row in zip(corpus.places, profiles.PLACES):
            self.place_ids_by_region.setdefault(place_row[6], []).append(place_id)
        self.all_place_ids = list(corpus.places)

    def make_all(self, post_times: list[int]) -> None:
        rng = self.rng
        weights = self._activity_weights()
        posters = rng.choices(self.authors, cum_weights=list(itertools.accumulate(weights)), k=len(post_times))
        ids = self._ids(post_times)
        for index, (post_id, ms, author) in enumerate(zip(ids, post_times, posters)):
            self._make_post(index, post_id, ms, author)

    def _activity_weights(self) -> list[float]:
        """Zipf-like by a random rank: a few authors post many times, most once or twice.

        The official account and the branches get fixed shares, as real campaign accounts do.
        """
        ranks = list(range(1, len(self.authors) + 1))
        self.rng.shuffle(ranks)
        weights = [author.activity / rank ** 0.8 for rank, author in zip(ranks, self.authors)]
        total = sum(weights)
        for position, author in enumerate(self.authors):
            if author.kind == "official":
                weights[position] = total * OFFICIAL_SHARE
            elif author.kind == "branch":
                weights[position] = total * BRANCH_SHARE
        return weights

    def _ids(self, post_times: list[int]) -> list[int]:
        seen: set[int] = set()
        ids = []
        for ms in post_times:
            post_id = snowflake(ms, self.rng.getrandbits(22))
            while post_id in seen:
                post_id = snowflake(ms, self.rng.getrandbits(22))
            seen.add(post_id)
            ids.append(post_id)
        return sorted(ids)   # same ms order as post_times; ties broken by the low bits

    def _make_post(self, index: int, id_int: int, ms: int, author: Author) -> None:
        rng = self.rng
        corpus = self.corpus
        post_id = str(id_int)
        roll = rng.random()
        parent = corpus.posts[index - 1 - min(index - 1, int(rng.expovariate(1 / 40)))] if index else None
        is_reply = parent is not None and roll < REPLY_SHARE
        is_quote = parent is not None and REPLY_SHARE <= roll < REPLY_SHARE + QUOTE_SHARE
        welsh = rng.random() < (0.35 if author.region == profiles.WELSH_REGION else 0.01)
        builder = TextBuilder()
        if is_reply:
            parent_author = corpus.users[parent["author_id"]]
            builder.mention(parent_author["username"], parent_author["id"])
            builder.add(" ")
        self._write_body(builder, author, welsh, self._long_form(post_id))
        text = builder.text()
        post = {"id": post_id, "text": text, "author_id": author.id, "created_at": iso_time(ms),
                "lang": "cy" if welsh else "en", "conversation_id": post_id,
                "edit_history_tweet_ids": [post_id], "possibly_sensitive": False,
                "reply_settings": "everyone"}
        as_served(post, text, builder.hashtags, builder.mentions)
        if is_reply:
            post["conversation_id"] = parent["conversation_id"]
            post["in_reply_to_user_id"] = parent["author_id"]
            post["referenced_tweets"] = [{"type": "replied_to", "id": parent["id"]}]
        elif is_quote:
            post["referenced_tweets"] = [{"type": "quoted", "id": parent["id"]}]
        has_geo = rng.random() < PLACE_SHARE
        if has_geo:
            post["geo"] = {"place_id": self._place_for(author)}
        if rng.random() < EDITED_SHARE:
            original = snowflake(ms - rng.randint(30_000, 600_000), rng.getrandbits(22))
            post["edit_history_tweet_ids"] = [str(original), post_id]
        self._store(post, id_int, ms, author, builder, has_geo)

    def _long_form(self, post_id: str) -> tuple[random.Random, bool] | None:
        """(the post's own generator, whether its campaign hashtags come after the cut) for a long post,
        else None. Drawn from a generator of the post's own, not self.rng: the rest of the corpus of a
        seed stays as it was before there were long posts."""
        own = random.Random(f"{self.corpus.seed}:long:{post_id}")
        if own.random() >= LONG_SHARE:
            return None
        return own, own.random() < LONG_TAGS_AFTER_CUT_SHARE

    @staticmethod
    def _lengthen(builder: TextBuilder, own: random.Random, welsh: bool, at_least: int) -> None:
        """A second paragraph of considered sentences until the text holds at least `at_least` characters."""
        pool = profiles.LONG_CY_SENTENCES if welsh else profiles.LONG_EN_SENTENCES
        sentences = itertools.cycle(own.sample(pool, k=len(pool)))   # no sentence twice in a row
        builder.add("\n\n")
        while builder.length < at_least:
            builder.space()
            builder.add(next(sentences).format(n=own.randint(3, 40)))

    def _write_body(self, builder: TextBuilder, author: Author, welsh: bool,
                    long_form: tuple[random.Random, bool] | None = None) -> None:
        rng = self.rng
        corpus = self.corpus
        style = rng.random()
        noise = style < NOISE_SHARE
        mention_only = not noise and self.official and style < NOISE_SHARE + MENTION_ONLY_SHARE
        with_mention = mention_only or (not noise and self.official and rng.random() < 0.35)
        if author is self.official:
            mention_only, with_mention = False, False   # the union does not mention itself
        if with_mention and rng.random() < 0.5:
            target = self.official if rng.random() < 0.85 else rng.choice(self.notables)
            before, after = rng.choice(profiles.MENTION_LEADS).split("{at}")
            builder.add(before)
            builder.mention(target.username, target.id)
            builder.add(after + " ")
            with_mention = target is not self.official   # the official still needs mentioning
        sentence = rng.choice(profiles.CY_SENTENCES if welsh else profiles.EN_SENTENCES)
        builder.add(sentence.format(n=rng.randint(3, 40)))
        if with_mention:
            builder.add(" ")
            builder.mention(self.official.username, self.official.id)
        own, tags_after_cut = long_form or (None, False)
        if own and tags_after_cut:
            self._lengthen(builder, own, welsh, TEXT_LIMIT + 1)
        if noise:
            for tag in self._noise_tags():
                builder.hashtag(tag)
        else:
            if not mention_only:
                count = min(len(corpus.hashtags), rng.choices((1, 2, 3), cum_weights=TAG_COUNT_CUM_WEIGHTS)[0])
                for tag in rng.sample(corpus.hashtags, k=count):
                    builder.hashtag(self._vary_case(tag))
            if rng.random() < 0.2:
                builder.hashtag(rng.choice(profiles.UNRELATED_TAGS))
        if own and not tags_after_cut:
            self._lengthen(builder, own, welsh, own.randint(TEXT_LIMIT + 20, 3 * TEXT_LIMIT))

    def _noise_tags(self) -> list[str]:
        """Unrelated tags, sometimes a near miss of a campaign tag that must not match it."""
        rng = self.rng
        tags = [rng.choice(profiles.UNRELATED_TAGS)]
        if self.corpus.hashtags and rng.random() < 0.5:
            tags.append(rng.choice(self.corpus.hashtags) + rng.choice(profiles.NEAR_MISS_SUFFIXES))
        return tags

    def _vary_case(self, tag: str) -> str:
        roll = self.rng.random()
        return tag.lower() if roll < 0.1 else tag.upper() if roll < 0.13 else tag

    def _place_for(self, author: Author) -> str:
        local = self.place_ids_by_region.get(author.region)
        if local and self.rng.random() < 0.8:
            return self.rng.choice(local)
        return self.rng.choice(self.all_place_ids)

    def _store(self, post: dict, id_int: int, ms: int, author: Author, builder: TextBuilder,
               has_geo: bool) -> None:
        final_metrics, growth = draw_engagement(self.corpus.seed, post["id"], author.followers)
        text = whole_text(post)   # X's search matches the whole of a long post
        facts = PostFacts(
            id=post["id"], id_int=id_int, ms=ms, author_id=author.id, username=author.username.lower(),
            hashtags=frozenset(h["tag"].lower() for h in builder.hashtags),
            mentions=frozenset(m["username"].lower() for m in builder.mentions),
            text_lower=text.lower(), lang=post["lang"],
            is_reply="in_reply_to_user_id" in post,
            is_quote=post.get("referenced_tweets", [{}])[0].get("type") == "quoted",
            has_geo=has_geo, final_metrics=final_metrics, growth=growth)
        corpus = self.corpus
        corpus.posts.append(post)
        corpus.facts.append(facts)
        corpus.ids_ascending.append(id_int)
        corpus.post_by_id[post["id"]] = post
        corpus.facts_by_id[post["id"]] = facts
