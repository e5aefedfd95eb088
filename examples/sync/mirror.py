#!/usr/bin/env python3
"""Mirror Terrasse records into a local JSON file, then follow the change feed.

Standard library only. Mirrors every syncable record: organisations, establishments,
identifiers, labels, partnerships (with their parties) and contracts (with their initial
suppliers). First run: reads `syncState { cursor }`, takes a full snapshot with ordinary paged
queries, and saves the mirror and the cursor. Every run then follows `changes(after: cursor)`,
applying each event (UPSERT: store the record; DELETE: remove it) and saving the cursor after
each page, so an interrupted run resumes where it stopped with nothing missed and nothing
applied twice.

    python3 examples/sync/mirror.py --url http://127.0.0.1:8080/graphql \
        --key "$TERRASSE_KEY" --state ./mirror-state [--follow SECONDS]

Without --follow the script stops once the feed has no more events; with --follow it keeps
polling every SECONDS seconds. The state directory holds `mirror.json` (entity -> global id ->
record, each record with its `version`) and `cursor`.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request

# The fields mirrored for each entity, as a GraphQL selection. The feed's ChangeEntity names
# are the keys.
FIELDS = {
    "ORGANISATION": "id version name siren source externalId",
    "ESTABLISHMENT": "id version siret name source externalId organisation { id }",
    "IDENTIFIER": "id version scheme value source externalId organisation { id }",
    "LABEL": "id version kind validFrom validTo source externalId organisation { id }",
    "PARTNERSHIP": "id version name status amountEur source externalId"
    " parties { role joinedOn leftOn organisation { id } }",
    "CONTRACT": "id version uid object amountEur source externalId"
    " suppliers { position idValue fromModification }",
    "SUPPLY_LINK": "id version buyerSiret supplierSiret supplierName productFamily channel"
    " periodStart periodEnd amountEur source externalId",
}

# The GraphQL type of each entity, for `... on Type` in the feed.
TYPES = {
    "ORGANISATION": "Organisation",
    "ESTABLISHMENT": "Establishment",
    "IDENTIFIER": "Identifier",
    "LABEL": "Label",
    "PARTNERSHIP": "Partnership",
    "CONTRACT": "Contract",
    "SUPPLY_LINK": "SupplyLink",
}

# The top-level lists the snapshot pages through. Identifiers have no list of their own: they
# are read with their organisation.
LISTS = {
    "ORGANISATION": "organisations",
    "ESTABLISHMENT": "establishments",
    "LABEL": "labels",
    "PARTNERSHIP": "partnerships",
    "CONTRACT": "contracts",
    "SUPPLY_LINK": "supplyLinks",
}

SNAPSHOT = """query($after: String) {
  %s(first: 500, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { %s }
  }
}"""

# The feed is asked for the mirrored kinds only, so kinds Terrasse adds later do not reach
# this script.
FEED = """query($after: String) {
  changes(after: $after, first: 500, entities: [%s]) {
    endCursor hasMore
    events { cursor entity id operation version record { %s } }
  }
}""" % (", ".join(FIELDS), " ".join("... on %s { %s }" % (TYPES[e], FIELDS[e]) for e in FIELDS))


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
    """The mirrored form of a node: its fields without the id (the mirror's key)."""
    return {key: value for key, value in node.items() if key != "id"}


def save(state, mirror, cursor):
    """Saves the mirror, then the cursor, each atomically (write then rename)."""
    for name, content in (("mirror.json", json.dumps(mirror, sort_keys=True)), ("cursor", cursor)):
        path = os.path.join(state, name)
        with open(path + ".tmp", "w") as file:
            file.write(content)
        os.replace(path + ".tmp", path)


def pages(client, entity, fields):
    """Every node of one top-level list."""
    after = None
    while True:
        page = client.query(SNAPSHOT % (LISTS[entity], fields), {"after": after})[LISTS[entity]]
        yield from page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return
        after = page["pageInfo"]["endCursor"]


def snapshot(client):
    cursor = client.query("{ syncState { cursor } }")["syncState"]["cursor"]
    mirror = {entity: {} for entity in FIELDS}
    organisation_fields = FIELDS["ORGANISATION"] + " identifiers { %s }" % FIELDS["IDENTIFIER"]
    for node in pages(client, "ORGANISATION", organisation_fields):
        for identifier in node.pop("identifiers"):
            mirror["IDENTIFIER"][identifier["id"]] = record(identifier)
        mirror["ORGANISATION"][node["id"]] = record(node)
    for entity in ("ESTABLISHMENT", "LABEL", "PARTNERSHIP", "CONTRACT", "SUPPLY_LINK"):
        for node in pages(client, entity, FIELDS[entity]):
            mirror[entity][node["id"]] = record(node)
    return mirror, cursor


def apply(mirror, event):
    """Applies one event; events older than what the mirror holds are skipped."""
    records = mirror.get(event["entity"])
    if records is None:
        return  # a kind this mirror does not hold
    held = records.get(event["id"])
    if held is not None and held["version"] >= event["version"]:
        return
    if event["operation"] == "DELETE":
        records.pop(event["id"], None)
    elif event["record"] is not None:
        records[event["id"]] = record(event["record"])
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
        with open(os.path.join(args.state, "mirror.json")) as file:
            mirror = json.load(file)
    else:
        mirror, cursor = snapshot(client)
        save(args.state, mirror, cursor)
        print("snapshot: %d records at cursor %s" % (sum(map(len, mirror.values())), cursor))
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
    counts = ", ".join("%d %s" % (len(mirror[e]), e.lower()) for e in FIELDS)
    print("applied %d events; %s at cursor %s" % (applied, counts, cursor))


if __name__ == "__main__":
    main()
