#!/usr/bin/env python3
"""Mirror Terrasse organisations into a local JSON file, then follow the change feed.

Standard library only. First run: reads `syncState { cursor }`, takes a full snapshot of the
organisations with ordinary paged queries, and saves the mirror and the cursor. Every run then
follows `changes(after: cursor)`, applying each event (UPSERT: store the record; DELETE:
remove it) and saving the cursor after each page, so an interrupted run resumes where it
stopped with nothing missed and nothing applied twice.

    python3 examples/sync/mirror.py --url http://127.0.0.1:8080/graphql \
        --key "$TERRASSE_KEY" --state ./mirror-state [--follow SECONDS]

Without --follow the script stops once the feed has no more events; with --follow it keeps
polling every SECONDS seconds. The state directory holds `organisations.json` (global id ->
{version, name, siren, source, externalId}) and `cursor`.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request

FIELDS = "id version name siren source externalId"

SNAPSHOT = """query($after: String) {
  organisations(first: 500, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { %s }
  }
}""" % FIELDS

FEED = """query($after: String) {
  changes(after: $after, first: 500, entities: [ORGANISATION]) {
    endCursor hasMore
    events { cursor id operation version record { ... on Organisation { %s } } }
  }
}""" % FIELDS


class Terrasse:
    """A minimal GraphQL client."""

    def __init__(self, url, key):
        self.url = url
        self.key = key

    def query(self, query, variables=None):
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST")
        request.add_header("content-type", "application/json")
        if self.key:
            request.add_header("authorization", "Bearer " + self.key)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                payload = json.load(response)
        except urllib.error.HTTPError as error:
            sys.exit("Terrasse answered HTTP %s: %s" % (error.code, error.read().decode()))
        if payload.get("errors"):
            sys.exit("Terrasse answered errors: %s" % json.dumps(payload["errors"]))
        return payload["data"]


def record(node):
    return {key: node[key] for key in ("version", "name", "siren", "source", "externalId")}


def save(state, mirror, cursor):
    """Saves the mirror, then the cursor, each atomically (write then rename)."""
    for name, content in (("organisations.json", json.dumps(mirror, sort_keys=True)), ("cursor", cursor)):
        path = os.path.join(state, name)
        with open(path + ".tmp", "w") as file:
            file.write(content)
        os.replace(path + ".tmp", path)


def snapshot(client):
    cursor = client.query("{ syncState { cursor } }")["syncState"]["cursor"]
    mirror, after = {}, None
    while True:
        page = client.query(SNAPSHOT, {"after": after})["organisations"]
        for node in page["nodes"]:
            mirror[node["id"]] = record(node)
        if not page["pageInfo"]["hasNextPage"]:
            return mirror, cursor
        after = page["pageInfo"]["endCursor"]


def apply(mirror, event):
    """Applies one event; events older than what the mirror holds are skipped."""
    held = mirror.get(event["id"])
    if held is not None and held["version"] >= event["version"]:
        return
    if event["operation"] == "DELETE":
        mirror.pop(event["id"], None)
    elif event["record"] is not None:
        mirror[event["id"]] = record(event["record"])
    # An UPSERT without record: deleted since, its DELETE event follows.


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080/graphql")
    parser.add_argument("--key", default=os.environ.get("TERRASSE_KEY"))
    parser.add_argument("--state", default="mirror-state")
    parser.add_argument("--follow", type=float, help="keep polling every SECONDS seconds")
    args = parser.parse_args()
    client = Terrasse(args.url, args.key)
    os.makedirs(args.state, exist_ok=True)
    cursor_path = os.path.join(args.state, "cursor")
    if os.path.exists(cursor_path):
        with open(cursor_path) as file:
            cursor = file.read().strip()
        with open(os.path.join(args.state, "organisations.json")) as file:
            mirror = json.load(file)
    else:
        mirror, cursor = snapshot(client)
        save(args.state, mirror, cursor)
        print("snapshot: %d organisations at cursor %s" % (len(mirror), cursor))
    applied = 0
    while True:
        page = client.query(FEED, {"after": cursor})["changes"]
        for event in page["events"]:
            apply(mirror, event)
            applied += 1
        if page["endCursor"] != cursor:
            cursor = page["endCursor"]
            save(args.state, mirror, cursor)
        if page["hasMore"]:
            continue
        if args.follow is None:
            break
        time.sleep(args.follow)
    print("applied %d events; %d organisations at cursor %s" % (applied, len(mirror), cursor))


if __name__ == "__main__":
    main()
