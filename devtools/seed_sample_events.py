"""Sample event tables for the local onboarding run (the embedded default warehouse).

Creates database ``analytics`` with ``website_eventstream.identifies`` and ``.tracks`` shaped like
RudderStack's event stream, and the pgcrypto extension pb calls (digest()). Idempotent. With
``--show-stitched`` prints the identities pb's id stitcher built instead.

Usage: python -m devtools.seed_sample_events PG_JSON [--show-stitched]
"""
import contextlib
import json
import sys

import psycopg2

DBNAME = "analytics"
# Expected from pb's sample project: {u1, a1, a2, u1@example.com}, {a3}, {u2, a4}.
IDENTIFIES = [
    ("u1", "a1", "U1@Example.com", "2026-01-01 10:00"),
    ("u1", "a2", None, "2026-01-03 10:00"),
    ("u2", "a4", None, "2026-01-04 10:00"),
]
TRACKS = [
    (None, "a1", "2026-01-01 09:00", "page"),
    (None, "a2", "2026-01-02 09:00", "page"),
    (None, "a3", "2026-01-02 12:00", "page"),
    ("u2", "a4", "2026-01-05 09:00", "order"),
]


@contextlib.contextmanager
def cursor(pg, dbname):
    conn = psycopg2.connect(host=pg["host"], port=pg["port"], user=pg["user"],
                            password=pg["password"], dbname=dbname)
    conn.autocommit = True
    try:
        yield conn.cursor()
    finally:
        conn.close()


def seed(pg):
    with cursor(pg, "postgres") as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DBNAME,))
        if not cur.fetchone():
            cur.execute("CREATE DATABASE " + DBNAME)
    with cursor(pg, DBNAME) as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto SCHEMA public")
        cur.execute("CREATE SCHEMA IF NOT EXISTS website_eventstream")
        cur.execute("CREATE TABLE IF NOT EXISTS website_eventstream.identifies "
                    "(user_id text, anonymous_id text, email text, timestamp timestamp)")
        cur.execute("CREATE TABLE IF NOT EXISTS website_eventstream.tracks "
                    "(user_id text, anonymous_id text, timestamp timestamp, event text)")
        cur.execute("SELECT count(*) FROM website_eventstream.identifies")
        if cur.fetchone()[0] == 0:
            cur.executemany("INSERT INTO website_eventstream.identifies VALUES (%s, %s, %s, %s)",
                            IDENTIFIES)
            cur.executemany("INSERT INTO website_eventstream.tracks VALUES (%s, %s, %s, %s)",
                            TRACKS)
    print("sample events: %d identifies, %d tracks in %s.website_eventstream"
          % (len(IDENTIFIES), len(TRACKS), DBNAME))


def show_stitched(pg):
    with cursor(pg, DBNAME) as cur:
        cur.execute("SELECT user_main_id, string_agg(other_id_type || '=' || other_id, ', ' "
                    "ORDER BY other_id_type, other_id) FROM rs_profiles.user_id_stitcher "
                    "GROUP BY user_main_id ORDER BY 2")
        rows = cur.fetchall()
    print("pb stitched %d users:" % len(rows))
    for main_id, ids in rows:
        print("  %s: %s" % (main_id, ids))


def main():
    with open(sys.argv[1]) as f:
        pg = json.load(f)
    if "--show-stitched" in sys.argv[2:]:
        show_stitched(pg)
    else:
        seed(pg)


if __name__ == "__main__":
    main()
